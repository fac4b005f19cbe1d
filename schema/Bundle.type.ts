import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { ImportBundleResult } from '../services/bundles.js';
import type { BundleWhere } from '../warehouse/bundleRepo.js';

@InputType({ description: 'Which slice of the warehouse a bundle holds.' })
export class BundleWhereInput implements Partial<BundleWhere> {
  @Field(() => [ID], { nullable: true, description: 'Models (default: all).' })
  models?: string[];

  @Field(() => [ID], { nullable: true, description: 'fMRI datasets (default: all).' })
  datasets?: string[];

  @Field(() => Boolean, { nullable: true, description: 'Raw responses and stimulus words [true].' })
  includeFmri?: boolean;

  @Field(() => Boolean, { nullable: true, description: 'Per-word feature matrices [false].' })
  includeFeatures?: boolean;
}

@ObjectType({ simpleResolvers: true })
export class BundleFile {
  @Field(() => String) table!: string;
  @Field(() => String) file!: string;
  @Field(() => Int) rows!: number;
  @Field(() => String) sha256!: string;
}

@ObjectType({ simpleResolvers: true, description: 'An exported sharing bundle: Parquet files + manifest.json.' })
export class ExportedBundle {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'The bundle’s folder name under the server’s export folder (the same as `id`).' }) folder!: string;
  @Field(() => String, { nullable: true, description: 'Download path of the .tar on this server (GET, with an API key when anonymous read is off).' })
  downloadPath!: string | null;
  @Field(() => Int) schemaVersion!: number;
  @Field(() => [BundleFile]) files!: BundleFile[];
  @Field(() => Int, { description: 'Computation runs whose provenance the manifest carries.' }) runs!: number;
}

@ObjectType({ simpleResolvers: true })
export class BundleTableMerge {
  @Field(() => String) table!: string;
  @Field(() => Int, { description: 'Rows added.' }) inserted!: number;
  @Field(() => Int, { description: 'Rows already present with the same values.' }) present!: number;
}

@ObjectType({ simpleResolvers: true })
export class ImportedBundle implements ImportBundleResult {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) lab!: string | null;
  @Field(() => [BundleTableMerge]) tables!: BundleTableMerge[];
}

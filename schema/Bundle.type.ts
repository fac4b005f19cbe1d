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

@ObjectType({ simpleResolvers: true, description: 'One Parquet file of a bundle.' })
export class BundleFile {
  @Field(() => String, { description: 'The warehouse table it holds a slice of.' }) table!: string;
  @Field(() => String, { description: 'File name within the bundle.' }) file!: string;
  @Field(() => Int, { description: 'Rows in the file.' }) rows!: number;
  @Field(() => String, { description: 'sha256 of the file, as manifest.json records it.' }) sha256!: string;
}

@ObjectType({ simpleResolvers: true, description: 'An exported sharing bundle: Parquet files + manifest.json.' })
export class ExportedBundle {
  @Field(() => ID, { description: 'The bundle id (also its folder and .tar name).' }) id!: string;
  @Field(() => String, { description: 'The bundle’s folder name under the server’s export folder (the same as `id`).' }) folder!: string;
  @Field(() => String, { nullable: true, description: 'Download path of the .tar on this server (GET, with an API key when anonymous read is off).' })
  downloadPath!: string | null;
  @Field(() => Int, { description: 'The warehouse schema version the files follow.' }) schemaVersion!: number;
  @Field(() => [BundleFile], { description: 'Its Parquet files.' }) files!: BundleFile[];
  @Field(() => Int, { description: 'Computation runs whose provenance the manifest carries.' }) runs!: number;
}

@ObjectType({ simpleResolvers: true, description: 'What importing a bundle did to one table.' })
export class BundleTableMerge {
  @Field(() => String, { description: 'The warehouse table.' }) table!: string;
  @Field(() => Int, { description: 'Rows added.' }) inserted!: number;
  @Field(() => Int, { description: 'Rows already present with the same values.' }) present!: number;
}

@ObjectType({ simpleResolvers: true, description: 'What importing a bundle did.' })
export class ImportedBundle implements ImportBundleResult {
  @Field(() => ID, { description: 'The bundle’s id (from its manifest).' }) id!: string;
  @Field(() => String, { nullable: true, description: 'The lab that exported it.' }) lab!: string | null;
  @Field(() => [BundleTableMerge], { description: 'Per table, rows added and rows already present.' }) tables!: BundleTableMerge[];
}

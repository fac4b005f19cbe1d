import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { badInput } from '../errors/CortexError.js';
import { BundleWhereInput, ExportedBundle, ImportedBundle } from '../schema/Bundle.type.js';
import { exportBundle, importBundle } from '../services/bundles.js';
import type { Context } from './context.js';

@Resolver()
export class BundleResolver {
  @Mutation(() => ExportedBundle, {
    description: 'Exports a slice of the warehouse as Parquet files + manifest.json (schema version, row counts, sha256, run provenance, lab), also as a downloadable .tar.',
  })
  async exportBundle(
    @Ctx() ctx: Context,
    @Arg('where', () => BundleWhereInput, { nullable: true }) where: BundleWhereInput | null,
    @Arg('lab', () => String, { nullable: true, description: 'Who is sharing (recorded in the manifest).' }) lab: string | null,
  ): Promise<ExportedBundle> {
    if (!ctx.exportDir) throw badInput('exports are not enabled on this server');
    const r = await exportBundle(ctx.wh, { where: { ...where }, lab, exportDir: ctx.exportDir, tar: true });
    return {
      id: r.id,
      // The folder's name under the server's export folder: never a server path.
      folder: r.id,
      downloadPath: r.tarFile ? `/bundles/${r.id}.tar` : null,
      schemaVersion: r.manifest.schemaVersion,
      files: r.manifest.files,
      runs: r.manifest.runs.length,
    };
  }

  @Mutation(() => ImportedBundle, {
    description:
      'Imports a bundle: an upload (`upload:<id>` of the .tar) or a folder or .tar inside the import roots. Checksums, schema version ' +
      'and every row (ids, steps, finite numbers, references, row counts) verified, merged idempotently in one ' +
      'transaction; cells present with different values are reported as IMPORT_CONFLICT and nothing is written.',
  })
  async importBundle(@Ctx() ctx: Context, @Arg('path', () => String) path: string): Promise<ImportedBundle> {
    return importBundle(ctx.wh, path, ctx.files);
  }
}

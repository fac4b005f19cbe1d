import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { computeEncoding } from '../services/encoding.js';
import { computeInternal } from '../services/internal.js';
import { ComputeEncodingInput, ComputeReport, FeatureImportReport, FmriImportReportType, ImportFeaturesInput } from '../schema/Brain.type.js';
import { importFeaturesNpy, importFmri } from '../services/importFmri.js';
import { ArtifactInputType, Checkpoint } from '../schema/Checkpoint.type.js';
import { registerCheckpointArtifacts, resolveCheckpointPaths } from '../services/checkpoints.js';
import { extractFeatures } from '../services/features.js';
import type { Context } from './context.js';
import { withoutNulls } from './withoutNulls.js';
import { toCheckpoint } from './ModelResolver.js';

@Resolver()
export class ComputeResolver {
  @Mutation(() => FmriImportReportType, {
    description:
      'Imports an fMRI dataset from a manifest (docs/fmri-manifest.md: NPY or NIfTI + mask): `upload:<id>/manifest.json` of an uploaded ' +
      '.tar of the dataset folder, or a path inside the import roots; files the manifest names resolve against its folder and stay ' +
      'inside the same upload or the roots. All-or-nothing: ' +
      'wrong shapes, NaN/Inf, transcripts longer than their runs, missing ROI files fail with IMPORT_FAILED listing every problem.',
  })
  async importFmri(@Ctx() ctx: Context, @Arg('manifest', () => String) manifest: string): Promise<FmriImportReportType> {
    return importFmri(ctx.wh, manifest, ctx.files);
  }

  @Mutation(() => FeatureImportReport, { description: 'Imports per-word features of one (model, step, layer) from an .npy file: an upload (`upload:<id>`) or a path inside the import roots.' })
  async importFeatures(@Ctx() ctx: Context, @Arg('input', () => ImportFeaturesInput) input: ImportFeaturesInput): Promise<FeatureImportReport> {
    return importFeaturesNpy(ctx.wh, { modelId: input.model, step: input.step, layer: input.layer, datasetId: input.dataset, path: input.path }, ctx.files);
  }

  @Mutation(() => ComputeReport, {
    description:
      'Fits voxel-wise ridge encoding models (alpha per voxel by contiguous k-fold CV, Pearson r on test runs) for a checkpoint’s ' +
      'layers and writes voxel scores and ROI summaries in one transaction. Same parameters replace; others keep both.',
  })
  async computeEncoding(@Ctx() ctx: Context, @Arg('input', () => ComputeEncodingInput) input: ComputeEncodingInput): Promise<ComputeReport> {
    const r = await computeEncoding(ctx.wh, {
      modelId: input.model, step: input.step, datasetId: input.dataset, layers: input.layers, subjects: input.subjects,
      params: withoutNulls(input.params),
    });
    return { runId: r.runId, paramsHash: r.paramsHash, cells: r.cells, device: r.device, seconds: r.seconds };
  }

  @Mutation(() => ComputeReport, { description: 'Computes internal-state metrics of a checkpoint’s layers on a dataset’s stimulus words.' })
  async computeInternal(
    @Ctx() ctx: Context,
    @Arg('model', () => ID) model: string,
    @Arg('step', () => Int) step: number,
    @Arg('dataset', () => ID) dataset: string,
    @Arg('layers', () => [Int], { nullable: true }) layers: number[] | null,
  ): Promise<ComputeReport> {
    const started = Date.now();
    const r = await computeInternal(ctx.wh, { modelId: model, step, datasetId: dataset, layers: layers ?? undefined });
    return { runId: r.runId, paramsHash: r.paramsHash, cells: r.values, device: r.device, seconds: (Date.now() - started) / 1000 };
  }

  @Mutation(() => [Checkpoint], {
    description:
      'Registers ONNX checkpoint files and the model’s tokenizer.json, all or nothing. Each graph is opened and checked to be a ' +
      'decoder whose hidden states can be extracted (graph outputs, torch export names, a fused SkipLayerNormalization chain, or ' +
      '`layersManifest`), with its external-data files present; the tokenizer must load and fit the model’s embedding. Size and ' +
      'sha256 cover the graph and its external-data files; `duplicateOf` flags a step whose content equals another step’s. ' +
      'Problems are listed per file (IMPORT_FAILED). Files are uploads (`upload:<id>`, a .tar of a checkpoint folder unpacks) or paths ' +
      'inside the import roots; external-data files must lie beside their graph.',
  })
  async registerCheckpointArtifacts(
    @Ctx() ctx: Context,
    @Arg('model', () => ID) model: string,
    @Arg('artifacts', () => [ArtifactInputType], { nullable: true }) artifacts: ArtifactInputType[] | null,
    @Arg('folder', () => String, { nullable: true, description: 'A folder of step-named .onnx files (step3000.onnx) or folders (step-3000/model.onnx).' }) folder: string | null,
    @Arg('tokenizer', () => String, { nullable: true }) tokenizer: string | null,
    @Arg('layersManifest', () => [String], {
      nullable: true,
      description: 'The graph tensor of layer 0, 1, … (layer 0 = the embedding output, layer i = the residual stream after block i − 1), for graphs whose layers cannot be found otherwise; stored with each checkpoint and used by feature extraction.',
    })
    layersManifest: string[] | null,
  ): Promise<Checkpoint[]> {
    const all = [...(artifacts ?? []), ...(folder ? resolveCheckpointPaths([folder], ctx.files) : [])];
    await registerCheckpointArtifacts(ctx.wh, model, all, tokenizer ?? null, { layersManifest: layersManifest ?? undefined }, ctx.files);
    const { rows } = await ctx.loaders.checkpoints({ limit: 100_000 }).load(model);
    return rows.filter((r) => all.some((a) => a.step === r.step)).map(toCheckpoint);
  }

  @Mutation(() => FeatureImportReport, { description: 'Runs a checkpoint’s ONNX graph over a dataset’s stimulus and stores every layer’s word features.' })
  async extractFeatures(
    @Ctx() ctx: Context,
    @Arg('model', () => ID) model: string,
    @Arg('step', () => Int) step: number,
    @Arg('dataset', () => ID) dataset: string,
    @Arg('windowTokens', () => Int, { nullable: true }) windowTokens: number | null,
    @Arg('strideTokens', () => Int, { nullable: true }) strideTokens: number | null,
  ): Promise<FeatureImportReport> {
    const r = await extractFeatures(ctx.wh, { modelId: model, step, datasetId: dataset, windowTokens: windowTokens ?? undefined, strideTokens: strideTokens ?? undefined });
    return { nWords: r.nWords, dim: r.dim };
  }
}

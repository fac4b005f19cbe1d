/**
 * Writes the simulated study (docs/simulated-study.md) that compute/simulate/simulatedStudy.ts
 * generates, as the files the importers read: ONNX checkpoints with their tokenizer.json,
 * lm-eval v0.3 results per checkpoint, and an fMRI dataset (cortexql-fmri/1 manifest + NPY
 * responses), plus study.json with the planted ground truth.
 *
 *   const study = await writeSimulatedStudy({ outDir: 'data/sim', seed: 1 });
 *   study.schedule.peakStep               // 1000: where brain alignment peaks
 *   study.fmriManifest                    // 'data/sim/fmri/manifest.json' → the fMRI importer
 *   study.checkpoints[0].file             // 'data/sim/models/sim-tinygpt/step-100.onnx'
 *
 * Layout under outDir:
 *   study.json                                ground truth and an index of every file
 *   models/<model>/tokenizer.json             GPT-2 BPE reduced to `merges` merges (+ _config)
 *   models/<model>/step-<N>.onnx              one checkpoint per step, hidden-state outputs included
 *   evals/<model>_step<N>.json                lm-eval v0.3 results
 *   fmri/manifest.json                        cortexql-fmri/1
 *   fmri/transcripts/<run>.json               { words: [{ word, onset, offset }] }
 *   fmri/<subject>/voxels.json                [{ roi, x, y, z }] per response column
 *   fmri/<subject>/<run>.npy                  float32 [nTrs, nVoxels]; test run: <run>_rep-<k>.npy
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSimulatedStudy, type GeneratedStudy, type SimulatedStudyOptions, type StudyRun } from '../compute/simulate/simulatedStudy.js';
import { PLANTED_TASKS, type PlantedSchedule } from '../compute/simulate/plantedSchedule.js';
import { DEFAULT_ROIS } from '../compute/simulate/voxelLayout.js';
import type { TinyGptConfig } from '../compute/models/tinyGpt.js';
import { writeNpy } from '../formats/npy.js';

export interface WriteSimulatedStudyOptions extends SimulatedStudyOptions {
  readonly outDir: string;
}

export interface SimulatedCheckpoint {
  readonly step: number;
  readonly tokens: number;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly alignment: number;
  readonly detour: number;
}

/** A written study: where its files are, and the ground truth they plant. */
export interface SimulatedStudy {
  readonly dir: string;
  readonly modelId: string;
  readonly datasetId: string;
  readonly modelConfig: TinyGptConfig;
  readonly tokenizerFile: string;
  readonly checkpoints: SimulatedCheckpoint[];
  readonly evalFiles: string[];
  readonly fmriManifest: string;
  readonly studyFile: string;
  readonly schedule: PlantedSchedule;
  readonly brainLayer: number;
  /** Stories with their timed words (the same as in the transcripts). */
  readonly runs: StudyRun[];
  readonly seconds: number;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 1)}\n`);
}

export async function writeSimulatedStudy(options: WriteSimulatedStudyOptions): Promise<SimulatedStudy> {
  const started = performance.now();
  const g = await generateSimulatedStudy(options);
  const out = path.resolve(options.outDir);
  const { tokenizerFile, checkpoints } = await writeModel(out, g);
  const fmriManifest = await writeFmri(path.join(out, 'fmri'), g);
  const evalFiles: string[] = [];
  for (const e of g.evals) {
    const file = path.join(out, 'evals', `${g.modelId}_step${e.step}.json`);
    await writeJson(file, e.document);
    evalFiles.push(file);
  }
  const studyFile = path.join(out, 'study.json');
  await writeJson(studyFile, studyIndex(out, g, { tokenizerFile, checkpoints, fmriManifest, evalFiles }));
  return {
    dir: out,
    modelId: g.modelId,
    datasetId: g.datasetId,
    modelConfig: g.modelConfig,
    tokenizerFile,
    checkpoints,
    evalFiles,
    fmriManifest,
    studyFile,
    schedule: g.schedule,
    brainLayer: g.brainLayer,
    runs: [...g.runs],
    seconds: (performance.now() - started) / 1000,
  };
}

/** models/<model>/: tokenizer files, one ONNX file per checkpoint, and model.json. */
async function writeModel(out: string, g: GeneratedStudy): Promise<{ tokenizerFile: string; checkpoints: SimulatedCheckpoint[] }> {
  const modelDir = path.join(out, 'models', g.modelId);
  await mkdir(modelDir, { recursive: true });
  const tokenizerFile = path.join(modelDir, 'tokenizer.json');
  await writeFile(tokenizerFile, JSON.stringify(g.tokenizerJson));
  await writeJson(path.join(modelDir, 'tokenizer_config.json'), g.tokenizerConfig);
  const checkpoints: SimulatedCheckpoint[] = [];
  for (const c of g.checkpoints) {
    const file = path.join(modelDir, `step-${c.step}.onnx`);
    await writeFile(file, c.onnx);
    checkpoints.push({ step: c.step, tokens: c.tokens, file, bytes: c.onnx.length, sha256: c.sha256, alignment: c.alignment, detour: c.detour });
  }
  await writeJson(path.join(modelDir, 'model.json'), {
    modelId: g.modelId,
    family: 'tiny-gpt',
    config: g.modelConfig,
    params: g.params,
    tokensPerStep: g.schedule.tokensPerStep,
    steps: checkpoints.map((c) => c.step),
    finalStep: checkpoints[checkpoints.length - 1].step,
    tokenizer: 'tokenizer.json',
  });
  return { tokenizerFile, checkpoints };
}

/** fmri/: transcripts, per subject its voxels and NPY responses, and the cortexql-fmri/1 manifest. */
async function writeFmri(fmriDir: string, g: GeneratedStudy): Promise<string> {
  for (const run of g.runs) await writeJson(path.join(fmriDir, 'transcripts', `${run.id}.json`), { words: run.words });
  const subjects: { id: string; responses: Record<string, string | string[]>; voxels: string }[] = [];
  for (const s of g.subjects) {
    const responses: Record<string, string | string[]> = {};
    for (const [k, { runId, presentations }] of s.responses.entries()) {
      const files: string[] = [];
      for (const [rep, y] of presentations.entries()) {
        const rel = `${s.id}/${presentations.length > 1 ? `${runId}_rep-${rep + 1}` : runId}.npy`;
        await mkdir(path.join(fmriDir, s.id), { recursive: true });
        await writeFile(path.join(fmriDir, rel), writeNpy(y, [g.runs[k].nTrs, g.nVoxels]));
        files.push(rel);
      }
      responses[runId] = files.length === 1 ? files[0] : files;
    }
    const voxelsFile = `${s.id}/voxels.json`;
    const { layout } = s;
    await writeJson(
      path.join(fmriDir, voxelsFile),
      layout.roi.map((roi, v) => ({ roi, x: layout.coords[v * 3], y: layout.coords[v * 3 + 1], z: layout.coords[v * 3 + 2] })),
    );
    subjects.push({ id: s.id, responses, voxels: voxelsFile });
  }
  const manifest = path.join(fmriDir, 'manifest.json');
  await writeJson(manifest, {
    format: 'cortexql-fmri/1',
    dataset: {
      id: g.datasetId,
      name: 'Simulated narrative listening',
      language: 'en',
      trSeconds: g.trSeconds,
      description: `Simulated fMRI of ${g.subjects.length} subjects listening to ${g.runs.length} generated stories; brain alignment of ${g.modelId} is planted (peak at step ${g.schedule.peakStep}, trough at step ${g.schedule.troughStep}).`,
      source: 'cortexql simulated study (compute/simulate), docs/simulated-study.md',
    },
    runs: g.runs.map((r) => ({ id: r.id, split: r.split, nTrs: r.nTrs, transcript: `transcripts/${r.id}.json` })),
    subjects,
  });
  return manifest;
}

/** study.json: the planted ground truth and an index of every file (paths relative to the study). */
function studyIndex(
  out: string,
  g: GeneratedStudy,
  files: { tokenizerFile: string; checkpoints: readonly SimulatedCheckpoint[]; fmriManifest: string; evalFiles: readonly string[] },
): unknown {
  const rel = (f: string) => path.relative(out, f);
  const { schedule, brainLayer } = g;
  const { checkpoints } = files;
  return {
    format: 'cortexql-simulated-study/1',
    seed: g.seed,
    scale: g.scale,
    model: {
      id: g.modelId,
      family: 'tiny-gpt',
      config: g.modelConfig,
      tokenizer: rel(files.tokenizerFile),
      tokenizerMerges: g.merges,
      tokensPerStep: schedule.tokensPerStep,
      checkpoints: checkpoints.map((c) => ({ ...c, file: rel(c.file) })),
    },
    planted: {
      brainLayer,
      brainFeature: `hidden_state.${brainLayer} of the brain network (seed ${g.seed * 1000 + 2}), last token of each word`,
      peakStep: schedule.peakStep,
      troughStep: schedule.troughStep,
      peakIndex: schedule.peakIndex,
      troughIndex: schedule.troughIndex,
      levels: schedule.levels,
      phases: [
        { label: 'ALIGNMENT', startStep: schedule.checkpoints[0].step, endStep: schedule.peakStep },
        { label: 'DETACHMENT', startStep: schedule.peakStep, endStep: schedule.troughStep },
        { label: 'REALIGNMENT', startStep: schedule.troughStep, endStep: checkpoints[checkpoints.length - 1].step },
      ],
    },
    fmri: {
      manifest: rel(files.fmriManifest),
      datasetId: g.datasetId,
      trSeconds: g.trSeconds,
      subjects: g.subjects.length,
      voxelsPerSubject: g.nVoxels,
      testRun: g.runs[g.runs.length - 1].id,
      testRepeats: g.testRepeats,
      rois: DEFAULT_ROIS,
      noise: g.noise,
    },
    evals: { files: files.evalFiles.map(rel), tasks: PLANTED_TASKS, benchmarkTasks: PLANTED_TASKS.filter((t) => t.task !== 'sim_instruction_following').map((t) => t.task) },
    extraction: { windowTokens: g.windowTokens, strideTokens: g.strideTokens, wordFeature: 'last' },
  };
}

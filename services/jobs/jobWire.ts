/**
 * What the server and `cortexql worker` processes send each other about a job. Inputs and results
 * are mostly typed arrays, so they travel as V8's structured-clone serialization
 * (`node:v8` serialize/deserialize, which keeps Float32Array/Float64Array as they are) in
 * `application/octet-stream` bodies; small reports are JSON.
 */
import { deserialize, serialize } from 'node:v8';
import { INTERNAL_METRICS } from '../../compute/internal/internalCells.js';
import { badInput, type Problem } from '../../errors/CortexError.js';
import type { FitRequest } from './fitWorker.js';
import type { FitResult } from './jobIO.js';
import type { JobSpec } from './jobSpec.js';

export const OCTET_STREAM = 'application/octet-stream';

/** GET /internal/jobs/:id/inputs answers this. */
export interface JobInputsMessage {
  readonly spec: JobSpec;
  readonly attempt: number;
  readonly request: FitRequest;
}

/** POST /internal/jobs/:id/results sends this. */
export interface JobResultsMessage {
  /** Who computed it (also appended to the result's device). */
  readonly worker: string;
  readonly result: FitResult;
}

/** POST /internal/jobs/:id/progress sends this (JSON). */
export interface JobProgressMessage {
  readonly done: number;
  readonly total: number;
  readonly device?: string;
}

/** POST /internal/jobs/:id/failure sends this (JSON): `final` fails the job, otherwise it waits for a retry. */
export interface JobFailureMessage {
  readonly message: string;
  readonly final: boolean;
}

export function encodeMessage(message: JobInputsMessage | JobResultsMessage): Buffer {
  return serialize(message);
}

export function decodeMessage(body: Uint8Array): unknown {
  return deserialize(body);
}

/**
 * Checks results computed elsewhere before they are written, listing every problem at once
 * (up to 50): a worker of another version, or a corrupted body, must not write odd cells.
 */
export function checkResultsMessage(spec: JobSpec, message: unknown): JobResultsMessage {
  const problems: Problem[] = [];
  const problem = (where: string, text: string) => void (problems.length < 50 && problems.push({ where, message: text }));
  const m = message as Partial<JobResultsMessage> | null;
  if (!m || typeof m !== 'object') throw badInput('results must be an object { worker, result }');
  if (typeof m.worker !== 'string' || !m.worker) problem('worker', 'must be a non-empty string');
  const result = m.result as { cells?: unknown; device?: unknown } | undefined;
  if (!result || typeof result !== 'object') problem('result', 'must be an object { cells, device }');
  else {
    if (typeof result.device !== 'string') problem('result.device', 'must be a string');
    if (!Array.isArray(result.cells)) problem('result.cells', 'must be an array');
    else result.cells.forEach((cell: unknown, i) => (spec.kind === 'encoding' ? checkEncodingCell : checkInternalCell)(cell, `result.cells[${i}]`, problem));
  }
  if (problems.length) {
    throw badInput(`results are malformed: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`, { problems });
  }
  return m as JobResultsMessage;
}

type Report = (where: string, message: string) => void;
const isNumberOrNull = (v: unknown) => v === null || typeof v === 'number';

function checkEncodingCell(cell: unknown, where: string, problem: Report): void {
  const c = cell as Record<string, unknown> | null;
  if (!c || typeof c !== 'object') return problem(where, 'must be an object');
  if (!Number.isInteger(c.layer)) problem(`${where}.layer`, 'must be an integer');
  if (typeof c.subjectId !== 'string') problem(`${where}.subjectId`, 'must be a string');
  if (!(c.r instanceof Float32Array)) problem(`${where}.r`, 'must be a Float32Array');
  if (!(c.alpha instanceof Float32Array)) problem(`${where}.alpha`, 'must be a Float32Array');
  else if (c.r instanceof Float32Array && c.alpha.length !== c.r.length) problem(`${where}.alpha`, `has ${c.alpha.length} values for ${c.r.length} voxels`);
  for (const key of ['pValue', 'qValue'] as const) {
    const v = c[key];
    if (v === null || v === undefined) continue;
    if (!(v instanceof Float32Array)) problem(`${where}.${key}`, 'must be null or a Float32Array');
    else if (c.r instanceof Float32Array && v.length !== c.r.length) problem(`${where}.${key}`, `has ${v.length} values for ${c.r.length} voxels`);
  }
  if (c.blockTrs !== undefined && !(Number.isInteger(c.blockTrs) && (c.blockTrs as number) >= 1)) problem(`${where}.blockTrs`, 'must be absent or a positive integer');
  if (!Array.isArray(c.summaries)) return problem(`${where}.summaries`, 'must be an array');
  c.summaries.forEach((s: Record<string, unknown> | null, j) => {
    const ok = s && typeof s === 'object' && typeof s.roi === 'string' && Number.isInteger(s.nVoxels) && Number.isInteger(s.nSignificant)
      && isNumberOrNull(s.meanR) && isNumberOrNull(s.medianR) && isNumberOrNull(s.topMeanR);
    if (!ok) problem(`${where}.summaries[${j}]`, 'must be { roi, meanR, medianR, topMeanR, nVoxels, nSignificant }');
  });
}

function checkInternalCell(cell: unknown, where: string, problem: Report): void {
  const c = cell as Record<string, unknown> | null;
  if (!c || typeof c !== 'object') return problem(where, 'must be an object');
  if (!Number.isInteger(c.layer)) problem(`${where}.layer`, 'must be an integer');
  if (!INTERNAL_METRICS.includes(c.metric as never)) problem(`${where}.metric`, `must be one of ${INTERNAL_METRICS.join(', ')}`);
  if (!isNumberOrNull(c.value)) problem(`${where}.value`, 'must be a number or null');
  if (c.details !== null && (typeof c.details !== 'object' || Array.isArray(c.details))) problem(`${where}.details`, 'must be an object or null');
}

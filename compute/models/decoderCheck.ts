/**
 * What registration checks in an ONNX checkpoint before it is stored (services/checkpoints.ts):
 * that it is a decoder the extractor can run — without loading its weights, so registering a
 * hundred multi-GB checkpoints stays cheap. From the graph structure alone:
 *
 * - it is a whole ONNX model (nodes, a graph output, an opset import for every operator domain
 *   its nodes use; files truncated inside the graph fail to parse);
 * - its hidden states can be found (planHiddenStates: graph outputs, torch names, a fused
 *   residual chain, or the given manifest);
 * - every input can be fed (feedPlan.ts), and it takes `input_ids`;
 * - the external-data files it references, with the bytes each must hold;
 * - the rows of its token embedding, when it can be found, so a tokenizer whose ids do not fit is
 *   refused now rather than failing in onnxruntime later.
 *
 *   const check = checkDecoder(decodeOnnxModel(bytes, 'step-1000/model.onnx', { structureOnly: true }), { label });
 *   check.plan.method     // 'fused-residual'
 *   check.vocabRows       // 32000
 *   check.externalData    // [{ file: 'model.onnx.data', bytes: 2130080 }]
 */
import { badInput } from '../../errors/CortexError.js';
import { indexGraph } from '../onnx/onnxGraphIndex.js';
import type { OnnxModel } from '../onnx/onnxProto.js';
import { externalDataExtents } from './externalData.js';
import { declaredInputs, planFeeds, type FeedPlan } from './feedPlan.js';
import { planHiddenStates, type HiddenStatePlan, type LayerManifest } from './hiddenStateSurgery.js';
import type { TextTokenizer } from './gpt2Tokenizer.js';
import { wordTokens } from './wordTokens.js';

export interface DecoderCheck {
  readonly plan: HiddenStatePlan;
  readonly feeds: readonly FeedPlan[];
  /** Rows of the token embedding table (the largest id + 1 the model accepts), when found. */
  readonly vocabRows: number | null;
  /** External-data files in order of first reference, with the bytes each must at least hold. */
  readonly externalData: readonly { readonly file: string; readonly bytes: number }[];
}

/** Throws BAD_USER_INPUT (naming `label`) when the graph is not a decoder cortexql can run. */
export function checkDecoder(model: OnnxModel, options: { readonly manifest?: LayerManifest; readonly label: string }): DecoderCheck {
  const { label } = options;
  const incomplete: string[] = [];
  if ((model.opsetImport ?? []).length === 0) incomplete.push('no opset import');
  if (model.graph.node.length === 0) incomplete.push('no nodes');
  if ((model.graph.output ?? []).length === 0) incomplete.push('no graph outputs');
  // Every operator domain a node uses needs its opset import (the imports come last in the file).
  const imported = new Set((model.opsetImport ?? []).map((o) => (o.domain === 'ai.onnx' ? '' : o.domain ?? '')));
  const missing = [...new Set(model.graph.node.map((n) => (n.domain === 'ai.onnx' ? '' : n.domain ?? '')))].filter((d) => !imported.has(d));
  if (imported.size > 0 && missing.length > 0) incomplete.push(`no opset import for ${missing.map((d) => (d === '' ? 'the default domain' : d)).join(', ')}`);
  if (incomplete.length > 0) throw badInput(`${label} is not a complete ONNX model (${incomplete.join(', ')}); is the file truncated?`, { file: label, problems: incomplete });
  const plan = planHiddenStates(model, options.manifest, label);
  const feeds = planFeeds(declaredInputs(model), label);
  return { plan, feeds, vocabRows: embeddingRows(model), externalData: externalDataExtents(model, label) };
}

/**
 * Rows of the table `input_ids` index: the data input of the Gather (GPT-2/Llama exports) or the
 * word embedding of EmbedLayerNormalization (fused GPT-2/BERT) reading input_ids, through Casts.
 */
function embeddingRows(model: OnnxModel): number | null {
  const index = indexGraph(model);
  const dims = new Map((model.graph.initializer ?? []).map((t) => [t.name, t.dims]));
  const ids = new Set(['input_ids']);
  for (const node of model.graph.node) {
    if (node.opType === 'Cast' && ids.has(node.input[0])) node.output.forEach((o) => ids.add(o));
  }
  for (const id of ids) {
    for (const node of index.consumers.get(id) ?? []) {
      const table = node.opType === 'Gather' && node.input[1] === id ? node.input[0] : node.opType === 'EmbedLayerNormalization' && node.input[0] === id ? node.input[2] : undefined;
      const d = table === undefined ? undefined : dims.get(table);
      if (d !== undefined && d.length === 2) return d[0];
    }
  }
  return null;
}

/**
 * Checks that a tokenizer works on a sample transcript (loads, encodes, aligns words) and, when
 * the model's embedding rows are known, that its ids fit. Throws BAD_USER_INPUT naming `label`.
 */
export function checkTokenizer(tokenizer: TextTokenizer, label: string, vocabRows: number | null = null): void {
  const sample = ['The', 'keeper', 'said:', '“nobody', 'opened', 'it', 'in', '1998.”'];
  let ids: readonly number[];
  try {
    ids = tokenizer.encode(sample.join(' '));
    wordTokens(tokenizer, sample);
  } catch (e) {
    throw badInput(`${label} cannot tokenise a sample transcript: ${e instanceof Error ? e.message : String(e)}`, { file: label });
  }
  if (ids.some((id) => !Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize)) {
    throw badInput(`${label} gives token ids outside its own vocabulary of ${tokenizer.vocabSize}`, { file: label });
  }
  if (vocabRows !== null && tokenizer.vocabSize > vocabRows) {
    throw badInput(`${label} has ${tokenizer.vocabSize} tokens but the model's embedding has ${vocabRows} rows: it is not this model's tokenizer`, {
      file: label,
      vocabSize: tokenizer.vocabSize,
      embeddingRows: vocabRows,
    });
  }
}

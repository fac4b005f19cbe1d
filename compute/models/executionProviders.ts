/**
 * Which onnxruntime execution provider runs the model sessions, chosen once per process.
 *
 * `chooseExecutionProvider()` probes the candidates in order (default: CUDA, WebGPU, CPU) by
 * creating a one-node session on each, and keeps the first that works; every later session is
 * created with [that provider, 'cpu'] — onnxruntime places any node the accelerator lacks a
 * kernel for on the CPU provider, which is standard partitioning, not a fallback of the session.
 * Results record the chosen provider (`executionProviderInUse()`).
 *
 * What makes each available (onnxruntime-node 1.30 on Linux x64):
 * - 'cpu': always (bundled).
 * - 'webgpu': bundled (Dawn); needs a GPU adapter (Vulkan on Linux). Without one it fails in
 *   ~20 ms with "Failed to get a WebGPU adapter".
 * - 'cuda': needs onnxruntime's CUDA provider libraries, which the package's install script
 *   downloads. cortexql's package.json disables that script (`allowScripts`), so on a machine
 *   with internet and an NVIDIA GPU (CUDA 12, cuDNN 9), run once from the repository root:
 *     `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`
 *   which fetches libonnxruntime_providers_{shared,cuda}.so into the package's bin folder;
 *   from then on 'cuda' is chosen automatically.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { badInput, CortexError } from '../../errors/CortexError.js';
import { encodeOnnxModel, onnxValueInfo, OnnxDataType } from '../onnx/onnxProto.js';

export const DEFAULT_EXECUTION_PROVIDERS: readonly string[] = ['cuda', 'webgpu', 'cpu'];

export interface ExecutionProviderChoice {
  /** The provider every session of this process runs on. */
  readonly provider: string;
  /** Why each earlier candidate was skipped. */
  readonly failures: Readonly<Record<string, string>>;
}

const choices = new Map<string, Promise<ExecutionProviderChoice>>();
let inUse: string | undefined;

function probeModel(): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'cortexql',
    graph: {
      name: 'probe',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'], name: 'relu' }],
      input: [onnxValueInfo('x', OnnxDataType.FLOAT, [1])],
      output: [onnxValueInfo('y', OnnxDataType.FLOAT, [1])],
    },
  });
}

/**
 * The first of `providers` that can create and run a session here (memoised per list). Fails
 * with INTERNAL, listing each provider's error, when none can.
 */
export function chooseExecutionProvider(providers: readonly string[] = DEFAULT_EXECUTION_PROVIDERS): Promise<ExecutionProviderChoice> {
  if (providers.length === 0) return Promise.reject(badInput('at least one execution provider must be given'));
  const key = providers.join(',');
  let choice = choices.get(key);
  if (choice === undefined) {
    choice = probe(providers);
    choices.set(key, choice);
    choice.catch(() => choices.delete(key));
  }
  return choice;
}

/**
 * Why a provider certainly cannot load, checked without asking onnxruntime (whose failed
 * attempts print errors to stderr that no session option silences), or undefined.
 */
function missingPrerequisite(provider: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  if (provider === 'cuda') {
    const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', 'linux', process.arch);
    const lib = path.join(bin, 'libonnxruntime_providers_cuda.so');
    return existsSync(lib) ? undefined : `CUDA provider libraries are not installed (${lib} is missing)`;
  }
  if (provider === 'webgpu') {
    const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.length > 0), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64'];
    return dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1'))) ? undefined : 'no Vulkan loader (libvulkan.so.1), which WebGPU (Dawn) needs on Linux';
  }
  return undefined;
}

async function probe(providers: readonly string[]): Promise<ExecutionProviderChoice> {
  const failures: Record<string, string> = {};
  const model = probeModel();
  for (const provider of providers) {
    const missing = missingPrerequisite(provider);
    if (missing !== undefined) {
      failures[provider] = missing;
      continue;
    }
    try {
      // logSeverityLevel 4 (fatal only): a provider that is merely absent must not print an error.
      const session = await ort.InferenceSession.create(model, { executionProviders: [provider], logSeverityLevel: 4 });
      await session.run({ x: new ort.Tensor('float32', Float32Array.of(1), [1]) });
      await session.release();
      inUse = provider;
      return { provider, failures };
    } catch (e) {
      failures[provider] = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
  }
  throw new CortexError('INTERNAL', `no onnxruntime execution provider works here (tried ${providers.join(', ')})`, { failures });
}

/** The provider chosen by the last successful `chooseExecutionProvider`, if any. */
export function executionProviderInUse(): string | undefined {
  return inUse;
}

/** The `executionProviders` list a session on `provider` is created with. */
export function sessionProviders(provider: string): string[] {
  return provider === 'cpu' ? ['cpu'] : [provider, 'cpu'];
}

import { describe, expect, it } from 'vitest';
import { familyFacts, lookupModel, modelIdFor } from '../../services/catalog.js';

describe('model catalog (services/catalog.ts)', () => {
  it('maps every name Pythia weights go by onto one id with the right facts', () => {
    const cases: [string, string][] = [
      ['pythia-1b', 'pythia-1b'],
      ['EleutherAI/pythia-1b', 'pythia-1b'],
      ['EleutherAI/pythia-v1.1-1b-bf16', 'pythia-1b'],
      ['pythia-v1-1.4b-deduped', 'pythia-1.4b-deduped'],
      ['EleutherAI/pythia-v1.1-2.8b-deduped', 'pythia-2.8b-deduped'],
      ['EleutherAI/Pythia-v1.1-160M', 'pythia-160m'],
      ['EleutherAI/pythia-160m-v0', 'pythia-160m-v0'],
      ['EleutherAI/pythia-410m-deduped-v0', 'pythia-410m-deduped-v0'],
    ];
    for (const [name, id] of cases) expect(modelIdFor(name), name).toBe(id);
    expect(lookupModel('EleutherAI/pythia-v1.1-1b-bf16')).toMatchObject({ family: 'pythia', tokensPerStep: 2_097_152, finalStep: 143_000, nLayers: 16, hiddenSize: 2048 });
    expect(lookupModel('EleutherAI/pythia-160m-v0')).toMatchObject({ modelId: 'pythia-160m-v0', family: 'pythia', tokensPerStep: 2_097_152, params: 162_322_944 });
  });

  it('knows nothing of other runs, batch-size ablations or unknown sizes', () => {
    for (const name of ['EleutherAI/pythia-v1.1-160m-0.5MtokBS', 'EleutherAI/intervention-pythia-v1.1-410m-deduped', 'pythia-3b', 'pythia-1b-deduped-deduped', 'Qwen/Qwen2.5-1.5B']) {
      expect(lookupModel(name), name).toBeNull();
    }
    expect(modelIdFor('Qwen/Qwen2.5-1.5B')).toBe('Qwen2.5-1.5B');
  });

  it('lends Pythia family facts to any id, sized when the id names a size', () => {
    expect(familyFacts('pythia', 'my-run')).toEqual({ family: 'pythia', tokensPerStep: 2_097_152, finalStep: 143_000, languages: ['en'] });
    expect(familyFacts('Pythia', 'lab/pythia-1.4b-rerun')).toMatchObject({ tokensPerStep: 2_097_152, params: 1_414_647_808, nLayers: 24, hiddenSize: 2048 });
    expect(familyFacts('olmo', 'x')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { chooseExecutionProvider, executionProviderInUse, sessionProviders } from '../../../compute/models/executionProviders.js';
import { CortexError } from '../../../errors/CortexError.js';

describe('chooseExecutionProvider', () => {
  it('picks the first provider that works and says why the others were skipped', async () => {
    const choice = await chooseExecutionProvider(['no-such-provider', 'cpu']);
    expect(choice.provider).toBe('cpu');
    expect(Object.keys(choice.failures)).toEqual(['no-such-provider']);
    expect(executionProviderInUse()).toBe('cpu');
    // Memoised per list: the same promise's value.
    expect(await chooseExecutionProvider(['no-such-provider', 'cpu'])).toBe(choice);
  });

  it('uses CUDA only where its provider libraries are installed', async () => {
    const choice = await chooseExecutionProvider(['cuda', 'cpu']);
    expect(['cuda', 'cpu']).toContain(choice.provider);
    if (choice.provider === 'cpu') expect(choice.failures.cuda).toMatch(/CUDA|cuda/);
  });

  it('fails with every provider’s reason when none works', async () => {
    const error = await chooseExecutionProvider(['no-such-provider']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CortexError);
    expect((error as CortexError).code).toBe('INTERNAL');
    expect((error as CortexError).message).toBe('no onnxruntime execution provider works here (tried no-such-provider)');
    expect(Object.keys((error as CortexError<'INTERNAL'>).details.failures as object)).toEqual(['no-such-provider']);
    await expect(chooseExecutionProvider([])).rejects.toEqual(new CortexError('BAD_USER_INPUT', 'at least one execution provider must be given'));
  });

  it('runs accelerators with the CPU provider beside them', () => {
    expect(sessionProviders('cpu')).toEqual(['cpu']);
    expect(sessionProviders('cuda')).toEqual(['cuda', 'cpu']);
  });
});

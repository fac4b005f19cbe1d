import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_OPERATIONS, operationLabel } from '../../server/knownOperations.js';
import { PACKAGE_ROOT } from '../../services/paths.js';

describe('metric labels of operations', () => {
  it('lists every operation the shipped clients send (dashboard, Python client)', () => {
    const dashboard = join(PACKAGE_ROOT, 'dashboard', 'src');
    const sources = [
      ...readdirSync(dashboard).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(dashboard, f), 'utf8')),
      ...readdirSync(join(PACKAGE_ROOT, 'clients', 'python', 'cortexql')).filter((f) => f.endsWith('.py')).map((f) => readFileSync(join(PACKAGE_ROOT, 'clients', 'python', 'cortexql', f), 'utf8')),
      ...readdirSync(join(PACKAGE_ROOT, 'cli')).map((f) => readFileSync(join(PACKAGE_ROOT, 'cli', f), 'utf8')),
    ];
    const shipped = new Set(sources.flatMap((s) => [...s.matchAll(/\b(?:query|mutation) ([A-Z]\w*)/g)].map((m) => m[1])));
    expect(shipped.size).toBeGreaterThanOrEqual(5);
    for (const name of shipped) expect(KNOWN_OPERATIONS.has(name), name).toBe(true);
  });

  it('labels any other name `other` and no name `anonymous`', () => {
    expect(operationLabel('DashboardPhases')).toBe('DashboardPhases');
    expect(operationLabel('Probe1234')).toBe('other');
    expect(operationLabel(null)).toBe('anonymous');
  });
});

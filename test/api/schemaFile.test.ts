import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { cortexSchema } from '../../server/schema.js';

describe('schema.graphql', () => {
  it('is checked in and matches the schema the server builds (run `npm run schema` to refresh)', async () => {
    const checkedIn = readFileSync(join(PACKAGE_ROOT, 'schema.graphql'), 'utf8');
    expect(checkedIn).toBe(`${printSchema(await cortexSchema())}\n`);
  });
});

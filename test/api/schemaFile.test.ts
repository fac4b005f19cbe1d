import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, printSchema, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { cortexSchema } from '../../server/schema.js';
import { readmeExamples } from '../helpers/readmeExamples.js';

describe('schema.graphql', () => {
  it('is checked in and matches the schema the server builds (run `npm run schema` to refresh)', async () => {
    const checkedIn = readFileSync(join(PACKAGE_ROOT, 'schema.graphql'), 'utf8');
    expect(checkedIn).toBe(`${printSchema(await cortexSchema())}\n`);
  });

  it('validates every GraphQL example of the README', async () => {
    const schema = await cortexSchema();
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThan(10);
    for (const example of examples) expect([example, validate(schema, parse(example)).map((e) => e.message)]).toEqual([example, []]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../services/paths.js';

/**
 * The GraphQL the README shows: every ```graphql block (a block of several one-line operations
 * is several documents), the query of the curl example and of the Python example.
 */
export function readmeExamples(): string[] {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].flatMap(([, block]) => {
    const starts = block.split('\n').filter((l) => /^(\{|query|mutation)/.test(l)).length;
    return starts > 1 ? block.split('\n').filter((l) => l.trim() !== '') : [block];
  });
  const curl = [...readme.matchAll(/"query": "((?:[^"\\]|\\.)*)"/g)].map(([, q]) => JSON.parse(`"${q}"`) as string);
  const python = [...readme.matchAll(/q = """([\s\S]*?)"""/g)].map(([, q]) => q);
  return [...blocks, ...curl, ...python];
}

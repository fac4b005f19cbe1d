import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../services/paths.js';

/** A fenced code block of README.md or docs/*.md. */
export interface DocBlock {
  /** README.md or docs/<name>.md, and the line of the opening fence. */
  readonly where: string;
  readonly lang: string;
  readonly text: string;
  /**
   * Marked `<!-- illustrative -->` on the line before the fence: it names things the demo does
   * not hold (a lab's own files, keys, job ids), so it is checked (parsed, validated against the
   * schema or the CLI) but not run.
   */
  readonly illustrative: boolean;
  /**
   * What the docs show this block returns or prints: the next block, when it is marked
   * `<!-- output -->` on the line before its fence (compared with the real output as
   * helpers/docOutput.ts says).
   */
  readonly output?: DocOutput;
  /** Marked `<!-- output -->`: the output of the block before it, not an example itself. */
  readonly isOutput: boolean;
}

/** An output block: JSON5 for a response (`json5`), lines for what a program prints (`text`). */
export interface DocOutput {
  readonly where: string;
  readonly lang: string;
  readonly text: string;
}

/** The files whose examples run: README.md and docs/*.md. */
export const DOC_FILES = ['README.md', ...readdirSync(join(PACKAGE_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Every fenced block of the README and docs/, in order. */
export function docBlocks(): DocBlock[] {
  return DOC_FILES.flatMap((file) => {
    const lines = readFileSync(join(PACKAGE_ROOT, file), 'utf8').split('\n');
    const blocks: DocBlock[] = [];
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w*)\s*$/.exec(lines[i]);
      if (!open) continue;
      const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
      const marker = lines[i - 1] ?? '';
      const block = { where: `${file}:${i + 1}`, lang: open[1], text: lines.slice(i + 1, end).join('\n'), illustrative: /<!--\s*illustrative\s*-->/.test(marker), isOutput: /<!--\s*output\s*-->/.test(marker) };
      const previous = blocks.at(-1);
      if (block.isOutput && previous && !previous.isOutput) blocks[blocks.length - 1] = { ...previous, output: { where: block.where, lang: block.lang, text: block.text } };
      blocks.push(block);
      i = end;
    }
    return blocks;
  });
}

/** A GraphQL document the docs show, and whether it can run on the demo as written. */
export interface DocQuery {
  readonly where: string;
  readonly text: string;
  /** Not illustrative, no placeholder (`…`), not a mutation: the demo answers it without errors. */
  readonly runnable: boolean;
  /** The response the docs show for it (its block's output block, when the block is one GraphQL or curl request). */
  readonly output?: DocOutput;
}

/**
 * The GraphQL the docs show: every ```graphql block (a block of several one-line operations is
 * several documents), the queries of curl examples and of Python examples.
 */
export function docQueries(): DocQuery[] {
  return docBlocks().flatMap((b): DocQuery[] => {
    let texts: string[] = [];
    if (b.lang === 'graphql') {
      const starts = b.text.split('\n').filter((l) => /^(\{|query|mutation)/.test(l)).length;
      texts = starts > 1 ? b.text.split('\n').filter((l) => l.trim() !== '') : [b.text];
    } else if (b.lang === 'sh') {
      texts = [...b.text.matchAll(/"query": "((?:[^"\\]|\\.)*)"/g)].map(([, q]) => JSON.parse(`"${q}"`) as string);
    } else if (b.lang === 'python') {
      texts = [...b.text.matchAll(/q = """([\s\S]*?)"""/g)].map(([, q]) => q);
    }
    return texts.map((text) => ({ where: b.where, text, runnable: !b.illustrative && !text.includes('…') && !/^\s*mutation\b/.test(text), output: texts.length === 1 && b.lang !== 'python' ? b.output : undefined }));
  });
}

/** The GraphQL texts of docQueries (validated against the schema by test/api/schemaFile.test.ts). */
export function readmeExamples(): string[] {
  return docQueries().map((q) => q.text);
}

/** The curl blocks that run as written (test/docs/docBlocks.test.ts). */
export function runnableCurlBlocks(): DocBlock[] {
  return docBlocks().filter((b) => b.lang === 'sh' && b.text.startsWith('curl') && !b.illustrative);
}

/** The Python blocks that run as written (test/docs/docBlocks.test.ts). */
export function runnablePythonBlocks(): DocBlock[] {
  return docBlocks().filter((b) => b.lang === 'python' && !b.illustrative);
}

/** The R blocks that run as written (test/clients/rClient.test.ts). */
export function runnableRBlocks(): DocBlock[] {
  return docBlocks().filter((b) => b.lang === 'r' && !b.illustrative);
}

/** Every output block that a test compares with the real output of its example. */
export function comparedOutputs(): DocOutput[] {
  const graphql = docQueries().filter((q) => q.runnable).map((q) => q.output);
  const programs = [...runnableCurlBlocks(), ...runnablePythonBlocks(), ...runnableRBlocks()].map((b) => b.output);
  return [...graphql, ...programs].filter((o): o is DocOutput => o !== undefined);
}

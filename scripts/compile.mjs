#!/usr/bin/env node
// Type-checks and compiles the whole tree (sources, tests, benches, scripts) in one pass of the
// TypeScript compiler API — tsc's work, with the same tsconfig — and refuses non-null assertions
// that assert nothing (`x!` where x cannot be null or undefined): they read as a claim the types
// do not need, and hide the places where one is needed. The dashboard is checked with its own
// tsconfig (DOM types; dashboard/build.mjs bundles it).
//
// Usage: node scripts/compile.mjs [--fix-non-null] [tsconfig …]   (default: tsconfig.json dashboard/tsconfig.json)
//   --fix-non-null  deletes the assertions that assert nothing, then checks again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const fix = args.includes('--fix-non-null');
const projects = args.filter((a) => !a.startsWith('--'));
if (projects.length === 0) projects.push('tsconfig.json', 'dashboard/tsconfig.json');

const host = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
};

/**
 * `x!` whose x has no null or undefined in its type (any and unknown excepted: they say nothing).
 * Files whose text `cacheFile` records as scanned clean are skipped.
 */
function noOpAssertions(program, cacheFile) {
  const checker = program.getTypeChecker();
  const clean = existsSync(cacheFile) ? new Set(JSON.parse(readFileSync(cacheFile, 'utf8'))) : new Set();
  const scannedClean = [];
  const found = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || sf.fileName.includes('/node_modules/')) continue;
    const key = `${relative(root, sf.fileName)}:${createHash('sha256').update(sf.text).digest('hex').slice(0, 16)}`;
    if (clean.has(key)) {
      scannedClean.push(key);
      continue;
    }
    const before = found.length;
    const visit = (node) => {
      if (ts.isNonNullExpression(node)) {
        const type = checker.getTypeAtLocation(node.expression);
        const opaque = type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown);
        if (!opaque && checker.getNonNullableType(type) === type) found.push({ file: sf.fileName, pos: node.getEnd() - 1, sf });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    if (found.length === before) scannedClean.push(key);
  }
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(scannedClean));
  return found;
}

function removeAssertions(found) {
  const byFile = new Map();
  for (const f of found) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, list] of byFile) {
    let text = readFileSync(file, 'utf8');
    for (const { pos } of list.sort((a, b) => b.pos - a.pos)) {
      if (text[pos] !== '!') throw new Error(`${file}:${pos}: expected '!'`);
      text = text.slice(0, pos) + text.slice(pos + 1);
    }
    writeFileSync(file, text);
  }
  console.log(`removed ${found.length} non-null assertions that asserted nothing, in ${byFile.size} files`);
}

/**
 * One project, incrementally: the compiler's build info (dist/.tsbuildinfo-*) lets an unchanged
 * file skip checking and emit, and the assertion scan skips files whose text it saw before
 * without findings (a fresh clone, as CI is, checks everything).
 */
function compile(project) {
  const configPath = resolve(root, project);
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  const tag = project.replace(/[^\w]+/g, '-');
  const options = { ...parsed.options, incremental: true, tsBuildInfoFile: join(root, 'dist', `.tsbuildinfo-${tag}`) };
  const builder = ts.createIncrementalProgram({ rootNames: parsed.fileNames, options, projectReferences: parsed.projectReferences, configFileParsingDiagnostics: parsed.errors });
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  if (options.noEmit) builder.emitBuildInfo();
  else diagnostics.push(...builder.emit().diagnostics);
  const assertions = noOpAssertions(builder.getProgram(), join(root, 'dist', `.nonnull-${tag}.json`));
  return { diagnostics, assertions };
}

let failed = false;
for (const project of projects) {
  let { diagnostics, assertions } = compile(project);
  if (fix && assertions.length > 0) {
    removeAssertions(assertions);
    ({ diagnostics, assertions } = compile(project));
  }
  if (diagnostics.length > 0) {
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
    failed = true;
  }
  for (const a of assertions) {
    const { line, character } = a.sf.getLineAndCharacterOfPosition(a.pos);
    console.error(`${relative(root, a.file)}:${line + 1}:${character + 1}: this non-null assertion asserts nothing (the type has no null or undefined); remove it (node scripts/compile.mjs --fix-non-null)`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);

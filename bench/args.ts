/** The bench scripts' command-line options: `--name value` and bare `--flag` (unknown ones are ignored). */
const argv = process.argv.slice(2);

export function hasFlag(name: string): boolean {
  return argv.includes(name);
}

export function stringArg(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function numberArg(name: string, fallback: number): number {
  const value = stringArg(name);
  return value === undefined ? fallback : Number(value);
}

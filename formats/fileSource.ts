import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * How large a file an importer reads, per kind: JSON documents (eval results, manifests,
 * transcripts, tokenizers, layer manifests) and arrays (NPY, NIfTI) are read whole into memory,
 * ONNX graphs are decoded whole (protobuf's own limit is 2 GiB). Larger files are refused
 * before a byte is read.
 */
export const MAX_FILE_BYTES = {
  json: 64 * 2 ** 20,
  array: 2 ** 31 - 1,
  onnx: 2 ** 31 - 1,
} as const;
export type FileKind = keyof typeof MAX_FILE_BYTES;

/**
 * Where an importer's files come from. A manifest names its files relative to itself; the
 * source decides how a name resolves and whether it may be read (services/fileAccess.ts confines
 * the API's reads to the operator's import roots; the CLI reads local paths). Errors thrown by
 * `read` have messages that are safe to show: they never quote file content or server paths.
 */
export interface FileSource {
  /** The bytes of `ref` (a path as the client gave it, or one made by `sibling`). */
  read(ref: string, kind: FileKind): Buffer;
  /** The ref of `name` as a file beside `ref` names it (relative to its folder). */
  sibling(ref: string, name: string): string;
}

/** Opening without O_NONBLOCK would wait forever on a FIFO nobody writes to. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0);

/**
 * Reads a regular file whole: opened without blocking (a FIFO or device opens and is then
 * refused, never waited on), checked to be a regular file of at most `maxBytes` on the open
 * descriptor (so a swap after a check cannot slip through), then read. `followLinks: false`
 * refuses a symbolic link as the last component (callers that resolved the real path use it).
 * Errors are plain Errors with messages fit for clients.
 */
export function readRegularFile(path: string, maxBytes: number, options: { followLinks?: boolean } = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(path, options.followLinks === false ? OPEN_FLAGS : OPEN_FLAGS & ~(constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    throw new Error(openFailure(error));
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(stat.isDirectory() ? 'is a folder, not a file' : 'is not a regular file (a FIFO, device or socket)');
    if (stat.size > maxBytes) throw new Error(`is ${stat.size} bytes, over the limit of ${maxBytes} for this kind of file`);
    const out = Buffer.allocUnsafe(stat.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === out.length ? out : out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

function openFailure(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'not readable (permission denied)';
    case 'ELOOP':
      return 'is a symbolic link where a file is needed';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return 'cannot be read';
  }
}

/** Local files, for the CLI (the operator's own paths): relative names resolve against the naming file's folder. */
export const LOCAL_FILES: FileSource = {
  read: (ref, kind) => readRegularFile(ref, MAX_FILE_BYTES[kind]),
  sibling: (ref, name) => resolve(dirname(resolve(ref)), name),
};

/** Why a FileSource could not read a file, without repeating its name (for a problem listed under it). */
export function readFailure(error: unknown): string {
  const details = (error as { details?: { reason?: unknown; problems?: readonly { message: string }[] } }).details;
  if (typeof details?.reason === 'string') return details.reason;
  if (details?.problems?.length === 1) return details.problems[0].message;
  return error instanceof Error ? error.message : String(error);
}

import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { CortexError } from '../errors/CortexError.js';
import { MAX_FILE_BYTES, readRegularFile, type FileKind, type FileSource } from '../formats/fileSource.js';
import { shown } from '../formats/validation.js';

/** A path in a message: quoted, cut at 300 characters (it is what the client sent). */
const shownPath = (path: string) => shown(path, 300);
import { UPLOAD_PREFIX, type UploadStore } from './uploads.js';

/** A path resolved by FileAccess: the real path to open, and what it was called. */
export interface Resolved {
  /** The real path (symbolic links resolved), inside a root when access is confined. */
  readonly real: string;
  readonly kind: 'file' | 'folder';
  /** A ref this FileAccess resolves again to the same place. */
  readonly ref: string;
  /** How messages name it: the ref as the client gave it, or a folder's label + '/' + name (never a server path the client did not send). */
  readonly label: string;
}

/** One entry of a folder listing. */
export interface FolderEntry {
  readonly name: string;
  /** A ref to the entry that this FileAccess resolves. */
  readonly ref: string;
  /** How messages name it (the folder's label + '/' + name). */
  readonly label: string;
  readonly kind: 'file' | 'folder' | 'other';
}

const NOT_ALLOWED = 'PATH_NOT_ALLOWED';

/**
 * The one door to files named by a client. Two modes:
 *
 * - **local** (the CLI: the operator's own paths): any path the process can read, regular files
 *   only, size caps per kind.
 * - **confined** (the API): a path must resolve — after every symbolic link, with realpath — to a
 *   file or folder inside one of the operator's import roots (`--import-root`), or name an upload
 *   of the caller (`upload:<id>[/path]`). A missing file, one outside the roots, a link leading
 *   out, a FIFO or device all get the same PATH_NOT_ALLOWED answer, so existence outside the
 *   roots cannot be tested; messages repeat only what the client sent. Without roots every
 *   server-side path is refused, saying how to enable them or to upload instead.
 *
 * Hard links: a file inside a root that is a hard link to a file elsewhere is read like any
 * other file of the root. A hard link is not a pointer that can be followed out: it *is* a name
 * of the file in the root, made by someone who could write there and (with Linux's
 * fs.protected_hardlinks, the default) read the file — who could as well have copied it there.
 * Roots should therefore be folders only the operator writes to (see the README).
 */
export class FileAccess implements FileSource {
  private constructor(
    /** null: local access. */
    private readonly roots: readonly string[] | null,
    private readonly uploads: UploadStore | null,
    private readonly owner: string | null,
  ) {}

  /** The CLI's access: local paths. */
  static local(): FileAccess {
    return new FileAccess(null, null, null);
  }

  /**
   * The API's access for one caller: paths inside `roots` (real paths, made by `importRoots`)
   * and the caller's own uploads.
   */
  static confined(roots: readonly string[], uploads: UploadStore | null, owner: string | null): FileAccess {
    return new FileAccess(roots, uploads, owner);
  }

  get isLocal(): boolean {
    return this.roots === null;
  }

  /**
   * Resolves a client's path to the real file or folder it names, or throws PATH_NOT_ALLOWED
   * (confined) / NOT_FOUND (local). `expect` refuses the other kind with the same answer.
   */
  resolve(ref: string, expect: 'file' | 'folder' | 'any' = 'any', label = ref): Resolved {
    if (typeof ref !== 'string' || ref.length === 0 || ref.length > 4096 || ref.includes('\0')) throw this.refused(String(label), expect);
    const real = this.isLocal ? this.realLocal(ref) : this.realConfined(ref);
    let stat: Stats | null = null;
    try {
      stat = real === null ? null : statSync(real);
    } catch {
      stat = null;
    }
    const kind = stat?.isFile() ? 'file' : stat?.isDirectory() ? 'folder' : null;
    if (real === null || kind === null || (expect !== 'any' && kind !== expect)) throw this.refused(label, expect);
    return { real, kind, ref, label };
  }

  /** Reads a file whole: resolved as above, a regular file, at most the kind's size cap. */
  read(ref: string, kind: FileKind, label = ref): Buffer {
    const { real } = this.resolve(ref, 'file', label);
    try {
      return readRegularFile(real, MAX_FILE_BYTES[kind]);
    } catch (error) {
      const reason = (error as Error).message;
      throw new CortexError('IMPORT_FAILED', `${shown(label)} ${reason}`, { problems: [{ where: label, message: reason }], problemCount: 1 });
    }
  }

  /** The ref of `name` as a file beside `ref` names it: relative to its folder, confined like any ref. */
  sibling(ref: string, name: string): string {
    if (ref.startsWith(UPLOAD_PREFIX) && !isAbsolute(name)) return `${UPLOAD_PREFIX}${posix.normalize(posix.join(posix.dirname(ref.slice(UPLOAD_PREFIX.length)), name))}`;
    const base = this.isLocal ? resolve(ref) : this.resolve(ref, 'file').real;
    return resolve(dirname(base), name);
  }

  /** The entries of a folder, sorted by name; hidden entries (starting with '.') are left out. */
  list(folder: Resolved): FolderEntry[] {
    if (folder.kind !== 'folder') throw this.refused(folder.label, 'folder');
    const out: FolderEntry[] = [];
    for (const name of readdirSync(folder.real).sort()) {
      if (name.startsWith('.')) continue;
      const { ref, label } = this.child(folder, name);
      let kind: FolderEntry['kind'] = 'other';
      try {
        kind = this.resolve(ref, 'any', label).kind;
      } catch {
        kind = 'other'; // a link out of the roots, a FIFO, a dangling link: not listed as readable
      }
      out.push({ name, ref, label, kind });
    }
    return out;
  }

  /** A ref to `name` inside a resolved folder, and how messages name it (the folder's label + '/' + name). */
  child(folder: Resolved, name: string): { ref: string; label: string } {
    const ref = folder.ref.startsWith(UPLOAD_PREFIX) ? `${folder.ref.replace(/\/$/, '')}/${name}` : join(folder.real, name);
    return { ref, label: `${folder.label.replace(/\/$/, '')}/${name}` };
  }

  /**
   * What a client is shown for a stored server path (Checkpoint.artifactUri): `upload:<id>/…`
   * for an upload, the path relative to its import root (which a mutation accepts back), else
   * only the file name — never an absolute server path. Local access shows paths as stored.
   */
  present(stored: string | null): string | null {
    if (stored === null || this.isLocal) return stored;
    const upload = this.uploads?.refOf(stored);
    if (upload) return upload;
    for (const root of this.roots ?? []) {
      const rel = relative(root, stored);
      if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) return rel.split(sep).join('/');
    }
    return basename(stored);
  }

  /** Keeps the upload holding `real` (if any) beyond its expiry: something registered reads it later. */
  keep(real: string): void {
    this.uploads?.pin(real);
  }

  private realLocal(ref: string): string | null {
    try {
      return realpathSync.native(ref);
    } catch {
      return null;
    }
  }

  private realConfined(ref: string): string | null {
    if (ref.startsWith(UPLOAD_PREFIX)) return this.realUpload(ref.slice(UPLOAD_PREFIX.length));
    const roots = this.roots ?? [];
    if (roots.length === 0) throw pathsOff(ref);
    const candidates = isAbsolute(ref) ? [{ root: roots.find((r) => inside(r, resolve(ref))), path: resolve(ref) }] : roots.map((root) => ({ root, path: resolve(root, ref) }));
    for (const { root, path } of candidates) {
      if (root === undefined || !inside(root, path)) continue;
      try {
        const real = realpathSync.native(path);
        if (inside(root, real)) return real;
      } catch {
        // missing, or a dangling link: try the next root
      }
    }
    return null;
  }

  private realUpload(rest: string): string | null {
    if (!this.uploads) return null;
    const [id, ...parts] = rest.split('/');
    const meta = this.uploads.meta(id, this.owner);
    if (!meta) return null;
    const top = parts.filter((p) => p !== '').length === 0 ? this.uploads.contentPath(meta) : resolve(this.uploads.dataDir(id), ...parts);
    const dataDir = this.uploads.dataDir(id);
    if (!inside(dataDir, top) && top !== dataDir) return null;
    try {
      const real = realpathSync.native(top);
      return inside(realpathSync.native(dataDir), real) || real === realpathSync.native(dataDir) ? real : null;
    } catch {
      return null;
    }
  }

  private refused(ref: string, expect: 'file' | 'folder' | 'any'): CortexError {
    const what = expect === 'any' ? 'a file or folder' : `a ${expect}`;
    if (this.isLocal) {
      // The operator's own machine: say exactly what is wrong.
      let stat: Stats | null = null;
      try {
        stat = statSync(ref);
      } catch {
        stat = null;
      }
      const reason = stat === null ? 'file not found'
        : stat.isDirectory() ? 'is a folder, not a file'
        : stat.isFile() ? 'is a file, not a folder'
        : 'is not a regular file (a FIFO, device or socket)';
      return new CortexError('NOT_FOUND', `${shownPath(ref)}: ${reason}`, { what: 'file', id: shownPath(ref), reason });
    }
    const reason = ref.startsWith(UPLOAD_PREFIX)
      ? `is not ${what} among your uploads (unknown, expired, or another key's)`
      : `is not ${what} inside the import roots (missing, outside them, or not a regular file: the answer is the same for all)`;
    return new CortexError(NOT_ALLOWED, `${shownPath(ref)} ${reason}`, { path: shownPath(ref), reason });
  }
}

/** Whether `path` is `root` or lies under it (both absolute, normalised). */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function pathsOff(ref: string): CortexError {
  return new CortexError(
    NOT_ALLOWED,
    `server-side paths are off on this server (${shownPath(ref)}): upload the file instead (POST /uploads, then pass "upload:<id>"), ` +
      'or ask the operator to allow a folder with --import-root DIR (CORTEXQL_IMPORT_ROOTS)',
    { path: shownPath(ref), importRoots: 0 },
  );
}

/**
 * The operator's import roots as real paths: each must exist and be a folder (a configuration
 * error otherwise, BAD_USER_INPUT at startup).
 */
export function importRoots(dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    let real: string;
    try {
      real = realpathSync.native(dir);
    } catch {
      throw new CortexError('BAD_USER_INPUT', `import root ${dir} does not exist`, { field: 'importRoots' });
    }
    if (!statSync(real).isDirectory()) throw new CortexError('BAD_USER_INPUT', `import root ${dir} is not a folder`, { field: 'importRoots' });
    if (real === '/') throw new CortexError('BAD_USER_INPUT', 'the import root may not be / (every file of the machine)', { field: 'importRoots' });
    return real;
  });
}

/**
 * The output folder of `gridbid run` and `gridbid batch`, checked and created before any
 * work starts, so a bad `--out` costs nothing and says why.
 *
 * Folders are created one level at a time, never with `mkdir -p`: Node's recursive mkdir
 * loops forever under a pseudo-filesystem such as procfs, where mkdir answers ENOENT for a
 * parent that exists. Throws `UserError` only.
 */
import { accessSync, constants, lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';

/**
 * Makes `dir` (and missing parents) a writable folder, or throws a `UserError` naming the problem.
 * `writes`: the files the command will write there; none may be a folder already (the command
 * would do all its work, then fail to put the file in place).
 */
export function prepareOutputFolder(dir: string, flag = '--out', writes: readonly string[] = []): void {
  if (dir.trim() === '') throw new UserError(`${flag} is empty: give the folder to write the results into`);
  const abs = resolve(dir);
  // Walk up to the deepest part that exists; it must be a folder.
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a part of the path is a file; walking up finds it.
      // A link to nowhere (a results link to an unmounted volume): it exists, so it cannot be created.
      if (code === 'ENOENT' && isLink(at)) throw new UserError(`${flag} ${dir}: ${at} is a link to ${readlinkSync(at)}, which does not exist`);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) {
        missing.unshift(at);
        at = dirname(at);
        continue;
      }
      throw new UserError(`${flag} ${dir}: cannot use ${at} (${code ?? String(err)})`);
    }
    if (!isDir) throw new UserError(`${flag} ${dir}: ${at} is a file, not a folder`);
    break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(folder).isDirectory()) continue;
      const why = code === 'ENOENT' ? 'its parent does not accept new folders (a pseudo-filesystem such as /proc?)' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only filesystem' : (code ?? String(err));
      throw new UserError(`${flag} ${dir}: cannot create the output folder ${folder}: ${why}`);
    }
  }
  try {
    accessSync(abs, constants.W_OK);
  } catch (err) {
    throw new UserError(`${flag} ${dir}: cannot write into the output folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  // Each file is written as `<name>.partial`, then renamed.
  for (const name of writes.flatMap((f) => [f, `${f}.partial`])) {
    if (isFolder(join(abs, name))) throw new UserError(`${flag} ${dir}: ${name} there is a folder, where this command writes a file: move it away or choose another ${flag}`);
  }
}

/**
 * `s` as one portable folder name: letters, digits and . _ + - only, never starting with
 * a dot or a dash (so never `.` or `..`, nor a path out of the folder it is joined to).
 */
export const safeLabel = (s: string): string => s.replace(/[^A-Za-z0-9._+-]/g, '-').replace(/^[.-]+/, '') || 'x';

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

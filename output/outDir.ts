/**
 * The output folder of `gridbid run` and `gridbid batch`, checked and created before any
 * work starts, so a bad `--out` costs nothing and says why.
 *
 * Folders are created one level at a time, never with `mkdir -p`: Node's recursive mkdir
 * loops forever under a pseudo-filesystem such as procfs, where mkdir answers ENOENT for a
 * parent that exists. Throws `UserError` only.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../core/errors.ts';

/** Makes `dir` (and missing parents) a writable folder, or throws a `UserError` naming the problem. */
export function prepareOutputFolder(dir: string, flag = '--out'): void {
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
}

/**
 * Reading an input file (scenario, sweep, native or MATPOWER case) with the checks a
 * hostile or mistaken path needs: it must be a regular file (a FIFO would block forever,
 * /dev/zero never ends) and not larger than `maxInputBytes()`. Throws `UserError` only.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { UserError } from './errors.ts';

/**
 * Largest input file read, bytes: 16 MiB unless `GRIDBID_MAX_INPUT_MB` says otherwise.
 * Why 16 MiB: the largest example scenario is 9 kB and the largest MATPOWER case in the
 * tests 150 kB, while YAML parsing costs about 75 bytes of heap and 1.6 µs per byte of text
 * (a 50 MB scenario took 82 s and 3.7 GB to reject): 16 MiB parse in ~25 s within ~1.2 GB,
 * under the default heap, and a real case of 13,659 buses (~7 MB) still fits.
 */
export function maxInputBytes(): number {
  const mb = Number(process.env.GRIDBID_MAX_INPUT_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : 16 * 2 ** 20;
}

/** The text of `file` (UTF-8), or a `UserError` saying why it cannot be read; `what` names it ("scenario file"). */
export function readInputFile(file: string, what: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not block; a regular file ignores it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a directory, expected a ${what}` : `${file}: cannot read (${code ?? String(err)})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`${file}: is a directory, expected a ${what}`);
    if (!st.isFile()) throw new UserError(`${file}: not a regular file (a device, pipe or socket); expected a ${what}`);
    const max = maxInputBytes();
    if (st.size > max)
      throw new UserError(`${file}: ${(st.size / 2 ** 20).toFixed(1)} MiB is larger than the ${(max / 2 ** 20).toFixed(0)} MiB an input file may have (set GRIDBID_MAX_INPUT_MB to raise the limit)`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

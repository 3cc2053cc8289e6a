/**
 * Whether a bundle (scripts/bundle.mjs: dist/batch/worker.bundle.js, dist/cli/program.bundle.js)
 * was built from the compiled module beside it, so that it can run in that module's place.
 *
 * Why not file times: `npm pack` puts each bundle before its module in the tarball, and npm
 * extracts in that order, stamping each file with the time it wrote it, so `worker.bundle.js`
 * is always a little older than `worker.js` in an installed package; a "bundle not older than
 * its module" rule sent every installed `gridbid` to the ~330 separate modules (~0.41 s of CPU
 * per batch worker where the bundle takes ~0.1 s; docs/performance.md). A stamp in the files'
 * text holds wherever the files go: `npm run build` ends both files with the same line
 * (`stampLine`), and tsc, compiling dist/ again without bundling it, writes the module anew
 * without it. Reads the last bytes of two files: well under a millisecond.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What `npm run build` appends to a bundle and to its entry module (scripts/bundle.mjs): one id for both. */
export const stampLine = (id: string): string => `\n// gridbid-bundle ${id}\n`;
/** A file's last line when it is a stamp; the id in group 1. */
export const BUNDLE_STAMP = /\n\/\/ gridbid-bundle ([0-9a-f]{16})\n$/;

/** The bundle's stamp, read from the end of `file`; undefined when it has none or is missing. */
function stampOf(file: URL): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 64));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return BUNDLE_STAMP.exec(tail.toString('latin1'))?.[1];
  } finally {
    closeSync(fd);
  }
}

/** `bundle` when it was built from `modules` (both end with the same stamp), else `modules`. */
export function builtCode(modules: URL, bundle: URL): URL {
  const stamp = stampOf(modules);
  return stamp !== undefined && stampOf(bundle) === stamp ? bundle : modules;
}

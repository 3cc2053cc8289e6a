/**
 * gridbid's own version, from its package.json: the folder above core/ (sources) or two above a
 * bundle in dist/<dir>/ (compiled). Batches on a queue carry it, so that a worker of another
 * version refuses their runs instead of mixing two engines' numbers in one summary.
 */
import { existsSync, readFileSync } from 'node:fs';

export function gridbidVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    const file = new URL(up, import.meta.url);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'gridbid' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

/**
 * Issue 14, defect 3: no run starts that cannot fit, and no input file is parsed that is
 * too large to parse. Each test failed before the fix (2,000,000 agents validated as ok;
 * a 50 MB scenario took 82 s and 3.7 GB to reject).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { expect } from 'chai';
import { UserError } from '../../core/errors.ts';
import { readInputFile } from '../../core/inputFile.ts';
import { estimateFootprint, footprintProblem, HEAP_BYTES_BASE } from '../../engine/footprint.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { gridbidInProcess } from '../helpers/cli.ts';

const scenario = (homes: number, days: number): string =>
  `name: big\nstart: 2026-07-01T00:00:00Z\ndays: ${days}\nintervalMinutes: 60\nagents:\n  - { kind: generator, id: g, offers: [{ kw: 50, priceMwh: 40 }] }\n  - { kind: home, idPrefix: a, count: ${homes} }\n`;

describe('issue 14 defect 3: the size guard', () => {
  it('estimates heap from agents × intervals with the measured constants (hand-checked)', () => {
    const f = estimateFootprint(parseScenario(scenario(999_999, 2), 'big.yaml').config);
    expect(f.agents).to.equal(1_000_000);
    expect(f.intervals).to.equal(48);
    // 150 MiB + 1e6 × 30 kB + 1e6 × 48 × 32 B = 157,286,400 + 3e10 + 1.536e9
    expect(f.heapBytes).to.equal(HEAP_BYTES_BASE + 30_000_000_000 + 1_536_000_000);
    expect(f.outputBytes).to.equal(1_000_000 * 48 * 100);
  });

  it('refuses 2,000,000 agents with the estimate, the heap and the knobs; accepts the examples', () => {
    const two = scenario(1_000_000, 1).replace('count: 1000000 }', 'count: 1000000 }\n  - { kind: home, idPrefix: b, count: 1000000 }');
    const problem = footprintProblem(parseScenario(two, 'big.yaml').config)!;
    expect(problem).to.match(/^too large to run in this process: 2,000,001 agents × 24 intervals need about 57\.5 GB of memory/);
    expect(problem).to.contain(`above this process's heap of ${(getHeapStatistics().heap_size_limit / 2 ** 30).toFixed(1)} GB`);
    expect(problem).to.contain('NODE_OPTIONS=--max-old-space-size=');
    expect(footprintProblem(parseScenario(scenario(500, 1), 'small.yaml').config)).to.equal(undefined);
  });

  it('gridbid validate says so (it said ok)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-big-'));
    try {
      const file = join(dir, 'big.yaml');
      writeFileSync(file, scenario(1_000_000, 1).replace('count: 1000000 }', 'count: 1000000 }\n  - { kind: home, idPrefix: b, count: 1000000 }'));
      const r = await gridbidInProcess(['validate', file]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain('too large to run in this process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an input file above the size limit before reading it, and names the knob', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbid-big-'));
    const before = process.env.GRIDBID_MAX_INPUT_MB;
    try {
      const file = join(dir, 'big.yaml');
      writeFileSync(file, `name: x\n${'# padding\n'.repeat(300_000)}`);
      process.env.GRIDBID_MAX_INPUT_MB = '2';
      expect(() => readInputFile(file, 'scenario file')).to.throw(UserError, /: 2\.9 MiB is larger than the 2 MiB an input file may have \(set GRIDBID_MAX_INPUT_MB to raise the limit\)$/);
      process.env.GRIDBID_MAX_INPUT_MB = '4';
      expect(readInputFile(file, 'scenario file').length).to.equal(8 + 3_000_000);
    } finally {
      if (before === undefined) delete process.env.GRIDBID_MAX_INPUT_MB;
      else process.env.GRIDBID_MAX_INPUT_MB = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

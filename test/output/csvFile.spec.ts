import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { money, MoneyUnit } from '../../core/money.ts';
import { CsvFile, fixed, formatSteps } from '../../output/csvFile.ts';

/** Writes one row with `write`, reads the file back: the row's text. */
function written(write: (f: CsvFile) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-csv-'));
  try {
    const f = new CsvFile(join(dir, 'x.csv'), ['h']);
    write(f);
    f.end();
    f.close();
    return readFileSync(join(dir, 'x.csv'), 'utf8').split('\n')[1]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('output/csvFile: fields written digit by digit read exactly as the string formatters print them', () => {
  it('steps(n, d) = formatSteps(n, d)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.maxSafeInteger(), fc.integer({ min: 0, max: 12 })), { minLength: 1, maxLength: 20 }), (xs) => {
        const text = written((f) => xs.forEach(([n, d], k) => (k > 0 && f.comma(), f.steps(n, d))));
        expect(text).to.equal(xs.map(([n, d]) => formatSteps(n, d)).join(','));
      }),
    );
  });

  it('fixed(x, d) = fixed-the-string (toFixed, no negative zero, empty for NaN/undefined), ties and large values included', () => {
    const values = fc.oneof(
      fc.double({ noDefaultInfinity: true }),
      fc.double({ min: -1e4, max: 1e4, noNaN: true }),
      fc.integer({ min: -1e7, max: 1e7 }).map((k) => k / 1000 + 0.0005), // near ties
      fc.integer({ min: -1e6, max: 1e6 }).map((k) => k / 200), // exact ties at 2 decimals
      fc.constantFrom(0, -0, 1e-12, -1e-12, 0.0005, 1.0005, 2.675, 1e21, NaN, undefined),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(values, fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 20 }), (xs) => {
        const text = written((f) => xs.forEach(([x, d], k) => (k > 0 && f.comma(), f.fixed(x, d))));
        expect(text).to.equal(xs.map(([x, d]) => fixed(x, d)).join(','));
      }),
      { numRuns: 300 },
    );
  });

  it('scaledTrimmed(unit.scaled(n), unit.decimals) = unit.format(n)', () => {
    const units = fc.constantFrom('0.0000025', '0.00000001', '0.25', '1', '0.000125', '0.1');
    fc.assert(
      fc.property(units, fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 20 }), (u, ns) => {
        const unit = new MoneyUnit(money(u));
        const text = written((f) => ns.forEach((n, k) => (k > 0 && f.comma(), f.scaledTrimmed(unit.scaled(n), unit.decimals))));
        expect(text).to.equal(ns.map((n) => unit.format(n)).join(','));
      }),
    );
  });

  it('text() copies ASCII and UTF-8 alike, and rows longer than the buffer survive', () => {
    const long = 'x'.repeat(200_000);
    expect(written((f) => f.text('a,é→𝄞'))).to.equal('a,é→𝄞');
    expect(written((f) => (f.text('é'), f.text(long)))).to.equal(`é${long}`);
  });
});

describe('output/csvFile: bytes() — small runs buffered, runs of a buffer or more written straight through', () => {
  it('property: the file and the sink hold the header, then every text and byte run in order, whatever their sizes', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 40 }).map((s) => ({ text: s })),
      fc.nat({ max: 3000 }).map((n) => ({ bytes: n })),
      // Around half the 64 KiB buffer and above: the straight-through path.
      fc.integer({ min: (1 << 15) - 2, max: (1 << 16) + 70_000 }).map((n) => ({ bytes: n })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(), (pieces, seed) => {
        const dir = mkdtempSync(join(tmpdir(), 'gridbid-csv-'));
        try {
          const sunk: Buffer[] = [];
          const sink = { write: (b: Uint8Array, n: number) => void sunk.push(Buffer.from(b.subarray(0, n))), close: () => {} };
          const f = new CsvFile(join(dir, 'x.csv'), ['h'], sink);
          const expected: Buffer[] = [Buffer.from('h\n')];
          let k = seed;
          for (const p of pieces) {
            if ('text' in p) {
              f.text(p.text);
              expected.push(Buffer.from(p.text, 'utf8'));
            } else {
              const b = Uint8Array.from({ length: p.bytes }, () => (k = (k * 1103515245 + 12345) >>> 0) & 0xff);
              f.bytes(b);
              expected.push(Buffer.from(b));
            }
          }
          f.close();
          const want = Buffer.concat(expected);
          expect(readFileSync(join(dir, 'x.csv')).equals(want)).to.equal(true);
          expect(Buffer.concat(sunk).equals(want)).to.equal(true);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * LpBuilder: triplets appended in any order become the compressed-column programme the solvers take, rows
 * ascending within each column and duplicates summed. By hand on a 3 × 3 programme, and by property against
 * a plain reference (a map per column, sorted) for triplets in random order, with duplicates and zeros.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { LpBuilder } from '../../../market/lp/lpBuilder.ts';

describe('LpBuilder', () => {
  it('sorts each column by row and sums duplicates: a 3 × 3 programme by hand', () => {
    const b = new LpBuilder();
    for (let j = 0; j < 3; j++) b.addColumn(0, 10 + j, j);
    for (let i = 0; i < 3; i++) b.addRow(-i, i);
    b.add(2, 0, 5); // column 0: rows 2, 0 (out of order), then 2 again (summed: 5 + 1 = 6)
    b.add(0, 0, -1);
    b.add(2, 0, 1);
    b.add(1, 2, 0); // a zero: skipped
    b.add(1, 2, 3);
    b.add(0, 2, 4); // column 2: rows 1, 0 → 0, 1
    const lp = b.build('max', 7);
    expect(Array.from(lp.matrix.starts)).to.deep.equal([0, 2, 2, 4]);
    expect(Array.from(lp.matrix.rows)).to.deep.equal([0, 2, 0, 1]);
    expect(Array.from(lp.matrix.values)).to.deep.equal([-1, 6, 4, 3]);
    expect([lp.numRows, lp.numCols, lp.offset]).to.deep.equal([3, 3, 7]);
    expect(Array.from(lp.colUpper)).to.deep.equal([10, 11, 12]);
    expect(Array.from(lp.rowLower)).to.deep.equal([-0, -1, -2]);
  });

  it('by property: the same matrix as a plain reference, whatever the order of the triplets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: -3, max: 3 })), { maxLength: 60 }),
        (rows, cols, triplets) => {
          const b = new LpBuilder({ cols: 1, nonzeros: 1 }); // tiny capacities: the arrays grow
          for (let j = 0; j < cols; j++) b.addColumn(0, 1);
          for (let i = 0; i < rows; i++) b.addRow(0, 1);
          const reference = Array.from({ length: cols }, () => new Map<number, number>());
          for (const [r, c, v] of triplets) {
            b.add(r % rows, c % cols, v);
            if (v !== 0) reference[c % cols]!.set(r % rows, (reference[c % cols]!.get(r % rows) ?? 0) + v);
          }
          const lp = b.build('min');
          for (let j = 0; j < cols; j++) {
            const entries = [...reference[j]!.entries()].sort((x, y) => x[0] - y[0]);
            const from = lp.matrix.starts[j]!;
            const to = lp.matrix.starts[j + 1]!;
            expect(Array.from(lp.matrix.rows.subarray(from, to)), `column ${j} rows`).to.deep.equal(entries.map((e) => e[0]));
            expect(Array.from(lp.matrix.values.subarray(from, to)), `column ${j} values`).to.deep.equal(entries.map((e) => e[1]));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/**
 * One interval's LinDistFlow block (no reactive power: day-ahead bids carry none) as the
 * `IntervalGrid` the day-ahead programme places once per interval (market/dayAhead/program.ts);
 * a bus's injections enter its P balance row with +1.
 *
 * `limits` and `extend` serve the diagnosis of an infeasible horizon only
 * (market/dayAhead/infeasibility.ts): a family of limits lifted, and slack columns and rows
 * appended after the block's own, so that they too repeat in every interval. The clearing
 * itself builds the plain block.
 *
 * Pure.
 */
import type { RadialFeeder } from '../../network/radial.ts';
import { appendLinDistFlow, type LinDistFlowLayout } from '../lp/linDistFlowBlock.ts';
import { LpBuilder } from '../lp/lpBuilder.ts';
import type { IntervalGrid } from './program.ts';

export function linDistFlowGrid(
  feeder: RadialFeeder,
  limits: { readonly voltageLimits?: boolean; readonly lineLimits?: boolean } = {},
  extend?: (builder: LpBuilder, layout: LinDistFlowLayout) => void,
): { grid: IntervalGrid; layout: LinDistFlowLayout } {
  const builder = new LpBuilder();
  const layout = appendLinDistFlow(builder, feeder, { reactive: false, ...limits });
  extend?.(builder, layout);
  const lp = builder.build('max');
  const n = feeder.busCount;
  return {
    layout,
    grid: {
      numRows: lp.numRows,
      numCols: lp.numCols,
      rowLower: lp.rowLower,
      rowUpper: lp.rowUpper,
      colLower: lp.colLower,
      colUpper: lp.colUpper,
      columns: lp.matrix,
      injectionStarts: Int32Array.from({ length: n + 1 }, (_, k) => k),
      injectionRows: Int32Array.from(layout.pBalanceRow),
      injectionValues: new Float64Array(n).fill(1),
    },
  };
}

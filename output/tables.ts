/**
 * The tables of a run folder (DESIGN.md §4) and the type of each of their columns, for
 * the columnar copies of the CSV files: Parquet files (output/parquet.ts) and a batch's
 * DuckDB database (batch/database.ts). The CSV text stays the reference; these types say
 * how its text is read, so every run of every sweep gets the same schema (DuckDB's own
 * detection would read a column that happens to be empty in one run as text).
 *
 * Types, in DuckDB's names: times `TIMESTAMPTZ` (the CSV's ISO-8601 UTC), days `DATE`,
 * power, energy and prices `DOUBLE` (the files print them with a fixed number of decimals,
 * which a double holds to the last digit), money `DECIMAL(38,20)` (exact: the files write
 * money with at most `MONEY_DECIMALS` = 20 decimals, which 5-, 10- and 20-minute intervals
 * use, their settlement unit being a third of a decimal: core/money.ts; 18 digits before the
 * point), names and states `VARCHAR`. A column this list does not know is read as `VARCHAR`,
 * losslessly.
 */
import { MONEY_DECIMALS } from '../core/money.ts';

/**
 * Exact money: every decimal the files write (`MONEY_DECIMALS`), and 18 integer digits. With 18 decimals a 5-minute
 * cost of −0.01120383333333333333 read back as −0.011203833333333333, and a batch's sums drifted from summary.json's.
 */
export const MONEY = `DECIMAL(38,${MONEY_DECIMALS})`;

const TIME = 'TIMESTAMPTZ';
const NUM = 'DOUBLE';
const TEXT = 'VARCHAR';

/** Per table (its file name without extension), the type of each column, in the CSV's column order. */
export const TABLE_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  intervals: {
    interval_start: TIME, bus: TEXT, price: NUM, demand_kw: NUM, supply_kw: NUM, mechanism: TEXT, status: TEXT,
    da_price: NUM, rt_price: NUM, imbalance_price: NUM, imbalance_kw: NUM, unserved_kw: NUM,
  },
  agents: {
    interval_start: TIME, agent_id: TEXT, kind: TEXT, bus: TEXT, state: TEXT, award_kw: NUM, price: NUM, cost: MONEY,
    soc_kwh: NUM, indoor_temp_c: NUM, baseline_kw: NUM, unserved_kwh: NUM, da_kw: NUM, actual_kw: NUM, rt_kw: NUM,
    da_price: NUM, rt_price: NUM, imbalance_kw: NUM, imbalance_price: NUM, via: TEXT, dr_cost: MONEY,
  },
  flows: { interval_start: TIME, line_id: TEXT, flow_kw: NUM, limit_kw: NUM, shadow_price: NUM },
  events: { interval_start: TIME, issuer: TEXT, target: TEXT, type: TEXT, requested_kw: NUM, response: TEXT, delivered_kw: NUM, detail: TEXT },
  rejections: { interval_start: TIME, agent_id: TEXT, bid_id: TEXT, code: TEXT, reason: TEXT },
  bills: {
    day: 'DATE', agent_id: TEXT, kind: TEXT, tariff: TEXT, import_kwh: NUM, export_kwh: NUM,
    energy_charge: MONEY, demand_charge: MONEY, fixed_charge: MONEY, export_credit: MONEY, total: MONEY,
  },
  voltages: {
    interval_start: TIME, bus: TEXT, vm_lindistflow: NUM, vm_ac: NUM, net_kw: NUM, net_kvar: NUM, price: NUM,
    dlmp_energy: NUM, dlmp_congestion: NUM, dlmp_voltage: NUM, reactive_price: NUM, inverter_kvar: NUM, vm_metered: NUM, metered_kw: NUM,
  },
  // Written only when the run has a communication plane (comms/messageLog.ts).
  messages: {
    sent_at: TIME, delivered_at: TIME, class: TEXT, reference_point: TEXT, from: TEXT, to: TEXT, type: TEXT,
    bytes: NUM, status: TEXT, attempts: NUM, link: TEXT,
  },
};

/**
 * Columns a table has only in some runs, after its own (so other runs' files stay as they were): `voltages.csv`'s
 * `dlmp_loss` under `network.feeder.losses: marginal`; `agents.csv`'s `kvar` and `reactive_price` on a feeder whose
 * LP clearing prices reactive power (a power factor below 1 or inverters' Q), where reactive energy is settled. A run declares them when it opens its tables
 * (output/tableFiles.ts), as the streamed Parquet writer needs every table's columns before the first row.
 */
export const OPTIONAL_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  agents: { kvar: NUM, reactive_price: NUM },
  voltages: { dlmp_loss: NUM },
};

/** Per table, the optional columns (OPTIONAL_COLUMNS) a run writes; tables not named have none. */
export type ExtraColumns = Readonly<Record<string, readonly string[]>>;

/** `table`'s columns in a run that writes `extra` of its optional ones, in the CSV's order. */
export function tableHeader(table: string, extra: ExtraColumns = {}): string[] {
  const optional = OPTIONAL_COLUMNS[table] ?? {};
  return [...Object.keys(TABLE_COLUMNS[table] ?? {}), ...Object.keys(optional).filter((c) => extra[table]?.includes(c))];
}

/** The tables a run may write, in a fixed order. */
export const RUN_TABLES: readonly string[] = Object.keys(TABLE_COLUMNS);

/** Every file a run may write into its folder (tables in either format, the summary, the report). */
export const RUN_FILES: readonly string[] = [...RUN_TABLES.flatMap((t) => [`${t}.csv`, `${t}.parquet`]), 'summary.json', 'report.html'];

/** The type of `column` in `table` (`VARCHAR` for a column the list does not know). */
export function columnType(table: string, column: string): string {
  return TABLE_COLUMNS[table]?.[column] ?? OPTIONAL_COLUMNS[table]?.[column] ?? TEXT;
}

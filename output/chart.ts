/** A report chart: a time axis and its lines, as recorded (output/report.ts draws it). */
export interface ChartSeries {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly dash?: boolean;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** A sentence under the title: what the chart leaves out, how to read it. */
  readonly caption?: string;
  /** The y axis's unit ('kW', 'currency/MWh', '°C' …), printed after the title and on the axis. */
  readonly yLabel: string;
  /** Unix seconds (UTC). */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
}

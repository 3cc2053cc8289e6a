/**
 * A CSV file written row by row, buffered, and made visible atomically: rows go
 * to `<name>.partial` and the file takes its final name only on `close()`, so a
 * reader (or a resumed batch) never sees a truncated file under the real name.
 *
 * Fields are numbers we format ourselves or short identifiers; strings are quoted
 * per RFC 4180 only when they need it. A CSV library would do the same work per
 * field at several times the cost on the hot path (one row per agent per
 * interval); tests read every file back with csv-parse to keep us honest.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

export class CsvFile {
  private fd: number;
  private buffer: string[] = [];
  private size = 0;
  private readonly partial: string;

  constructor(
    readonly path: string,
    header: readonly string[],
  ) {
    this.partial = `${path}.partial`;
    this.fd = openSync(this.partial, 'w');
    this.row(header);
  }

  /** Appends one row; fields must already be formatted (use `csvText` for free text). */
  row(fields: readonly string[]): void {
    this.line(`${fields.join(',')}\n`);
  }

  /** Appends one pre-joined line, ending in a newline (the hot path). */
  line(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.partial, this.path);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
}

/** Quotes a text field when it contains a comma, a quote or a line break (RFC 4180). */
export function csvText(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Fixed decimals, without a negative zero; empty for NaN/undefined (no value). */
export function fixed(x: number | undefined, decimals: number): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (x === 0) return decimals === 0 ? '0' : `0.${'0'.repeat(decimals)}`;
  const s = x.toFixed(decimals);
  // A tiny negative rounds to "-0.000": print it as zero.
  return x < 0 && Number(s) === 0 ? s.slice(1) : s;
}

/** Number of decimals needed to print multiples of a step such as 0.001 or 0.25 exactly. */
export function decimalsOf(step: number): number {
  const s = String(step);
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e-')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

/**
 * Text of an integer count of a decimal step (quanta of 0.001 kW, ticks of 0.01 /MWh)
 * with the step's decimals: exact, and cheaper than toFixed on the hot path.
 */
export function formatSteps(n: number, decimals: number): string {
  if (decimals === 0) return String(n);
  const neg = n < 0;
  let digits = String(neg ? -n : n);
  if (digits.length <= decimals) digits = '0'.repeat(decimals - digits.length + 1) + digits;
  const cut = digits.length - decimals;
  const text = `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return neg ? `-${text}` : text;
}

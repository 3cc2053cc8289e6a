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
    const line = `${fields.join(',')}\n`;
    this.buffer.push(line);
    this.size += line.length;
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
  const s = x.toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Number of decimals needed to print multiples of a step such as 0.001 or 0.25 exactly. */
export function decimalsOf(step: number): number {
  const s = String(step);
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e-')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

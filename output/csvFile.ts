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
import type { ByteSink } from './parquetStream.ts';

/** Bytes buffered before a write: small enough that rows never outlive a young-generation GC. */
const BUFFER_BYTES = 1 << 16;
/** Scratch for the digits of one integer, least significant first. */
const digits = new Uint8Array(48);
/**
 * The most decimals `scaledTrimmed` writes. A money unit can have more: an interval of 5 or 20
 * minutes lasts 0.0833… or 0.333… h, a 16–17 digit double, so its unit (quantum × hours × tick
 * ÷ 1000) has 24 or more decimals; its writers take the decimal.js text instead.
 */
export const SCALED_MAX_DECIMALS = 20;
/** The ASCII codes of the ones and tens digit of 0–99. */
const LOW_DIGIT = Uint8Array.from({ length: 100 }, (_, r) => 48 + (r % 10));
const HIGH_DIGIT = Uint8Array.from({ length: 100 }, (_, r) => 48 + Math.floor(r / 10));
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Rows are written straight into a byte buffer, field by field (`text`, `steps`,
 * `comma`, `end`), instead of being joined from strings: at one row per agent per
 * interval the joined strings were most of a run's garbage (a 10k-agent day: ~9 MB
 * per interval) and their join a second copy. ASCII is copied byte by byte; any
 * other character goes through UTF-8.
 */
export class CsvFile {
  /** The file's descriptor; -1 when the text goes to `sink` only (no CSV file asked for). */
  private fd: number;
  private buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private at = 0;
  /** `fixed`'s value, for `fixedAt`. */
  private readonly one = new Float64Array(1);
  private readonly partial: string;
  private closed = false;

  /**
   * `sink` also receives every byte (the table's Parquet writer, output/parquetStream.ts);
   * with `file: false` it is the only destination and no CSV file is written.
   */
  constructor(
    readonly path: string,
    header: readonly string[],
    private readonly sink?: ByteSink,
    file = true,
  ) {
    this.partial = `${path}.partial`;
    if (!file && !sink) throw new Error(`CsvFile ${path}: neither a file nor a sink to write to`);
    this.fd = file ? openSync(this.partial, 'w') : -1;
    this.row(header);
  }

  /** Appends one row; fields must already be formatted (use `csvText` for free text). */
  row(fields: readonly string[]): void {
    for (let k = 0; k < fields.length; k++) {
      if (k > 0) this.comma();
      this.text(fields[k]!);
    }
    this.end();
  }

  /** Appends one pre-joined line, ending in a newline. */
  line(text: string): void {
    this.text(text);
    if (this.at >= BUFFER_BYTES - 1024) this.flush();
  }

  /** Appends text as it is (no quoting: use `csvText` for free text). */
  text(s: string): void {
    const n = s.length;
    if (this.at + 3 * n > this.buf.length) this.room(3 * n);
    const b = this.buf;
    let at = this.at;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) {
        this.at = at + b.write(s.slice(k), at, 'utf8');
        return;
      }
      b[at++] = c;
    }
    this.at = at;
  }

  /**
   * Appends pre-encoded bytes (text that repeats on every row, encoded once with `encodeField`;
   * or whole rows made elsewhere, comms/messageLog.ts). A run of at least half a buffer goes
   * to the file as it is, after what is buffered: no copy.
   */
  bytes(src: Uint8Array): void {
    const n = src.length;
    if (n >= BUFFER_BYTES >> 1) {
      this.flush();
      this.writeOut(src, n);
      return;
    }
    if (this.at + n > this.buf.length) this.room(n);
    this.buf.set(src, this.at);
    this.at += n;
  }

  /** Appends an integer count of a decimal step with `decimals` digits after the point: the text of `formatSteps(n, decimals)`. */
  steps(n: number, decimals: number): void {
    if (!Number.isSafeInteger(n) || decimals > 20) {
      this.text(formatSteps(n, decimals));
      return;
    }
    this.scaledInteger(n, decimals, false);
  }

  /**
   * Appends `fixed(x, decimals)` (empty for undefined or NaN), digit by digit where that
   * is exact: |x|·10^decimals below 1e9 and not within 1e-6 of a rounding tie (there the
   * product's float error cannot move the rounding); otherwise through `toFixed`.
   */
  fixed(x: number | undefined, decimals: number): void {
    if (x === undefined) return;
    this.one[0] = x;
    this.fixedAt(this.one, 0, decimals);
  }

  /**
   * `fixed(values[k], decimals)`. For values a caller has as doubles (fields, typed arrays): a
   * double passed as an argument to a call V8 does not inline is boxed, a new heap number per
   * call, while an array and an index are not (recorder.ts writes 4 values per agent row so).
   */
  fixedAt(values: Float64Array, k: number, decimals: number): void {
    const x = values[k]!;
    if (x !== x) return;
    const scale = decimals < POW10.length ? POW10[decimals]! : NaN;
    const y = x < 0 ? -x * scale : x * scale;
    const frac = y - Math.floor(y);
    if (!(y < 1e9) || Math.abs(frac - 0.5) < 1e-6) {
      this.text(fixed(x, decimals));
      return;
    }
    const n = Math.round(y);
    this.steps(x < 0 && n !== 0 ? -n : n, decimals);
  }

  /**
   * Appends m × 10^-scale (m a safe integer) with trailing fractional zeros trimmed, and
   * no point when nothing is left after it: the text of `MoneyUnit.format`.
   */
  scaledTrimmed(m: number, scale: number): void {
    if (!Number.isSafeInteger(m) || scale > SCALED_MAX_DECIMALS) throw new RangeError(`scaledTrimmed: ${m} × 10^-${scale}`);
    this.scaledInteger(m, scale, true);
  }

  /**
   * Appends the safe integer m as m × 10^-decimals (decimals ≤ 20), digit by digit; with
   * `trim`, trailing fractional zeros are dropped and so is a point with nothing after it.
   */
  private scaledInteger(m: number, decimals: number, trim: boolean): void {
    if (this.at + 48 > this.buf.length) this.room(48);
    const b = this.buf;
    let at = this.at;
    let v = m;
    if (m < 0) {
      b[at++] = 45; // '-'
      v = -m;
    }
    // Digits lowest first, two per division (half the divisions of one at a time; most fields have 3–7 digits).
    let len = 0;
    while (v >= 100) {
      let q = Math.floor(v / 100);
      let r = v - q * 100;
      if (r < 0) {
        // v / 100 rounded up to the next integer (it cannot for v < 2^53: kept for certainty; exact integers either way).
        q -= 1;
        r += 100;
      }
      digits[len++] = LOW_DIGIT[r]!;
      digits[len++] = HIGH_DIGIT[r]!;
      v = q;
    }
    if (v >= 10) {
      digits[len++] = LOW_DIGIT[v]!;
      digits[len++] = HIGH_DIGIT[v]!;
    } else digits[len++] = 48 + v;
    while (len <= decimals && decimals > 0) digits[len++] = 48;
    let last = 0; // lowest digit written
    if (trim) while (last < decimals && digits[last] === 48) last++;
    for (let k = len - 1; k >= last; k--) {
      if (k === decimals - 1) b[at++] = 46; // '.'
      b[at++] = digits[k]!;
    }
    this.at = at;
  }

  comma(): void {
    if (this.at >= this.buf.length) this.room(1);
    this.buf[this.at++] = 44;
  }

  /** Ends a row. */
  end(): void {
    if (this.at >= this.buf.length) this.room(1);
    this.buf[this.at++] = 10;
    if (this.at >= BUFFER_BYTES - 1024) this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.sink?.close();
    if (this.fd < 0) return;
    closeSync(this.fd);
    renameSync(this.partial, this.path);
  }

  /** Writes out what is buffered and closes the file under its `.partial` name (an interrupted run); nothing once closed. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      this.sink?.close();
      if (this.fd >= 0) closeSync(this.fd);
    }
  }

  /** Makes room for `bytes` more: writes out what is buffered, and grows the buffer for a huge field. */
  private room(bytes: number): void {
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  private flush(): void {
    if (this.at === 0) return;
    this.writeOut(this.buf, this.at);
    this.at = 0;
  }

  /** Writes the first `length` bytes of `src` to the file and the sink. */
  private writeOut(src: Uint8Array, length: number): void {
    let off = 0;
    if (this.fd >= 0) while (off < length) off += writeSync(this.fd, src, off, length - off);
    this.sink?.write(src, length);
  }
}

/** UTF-8 bytes of text for `CsvFile.bytes`. */
export function encodeField(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Quotes a text field when it contains a comma, a quote or a line break (RFC 4180). */
export function csvText(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Fixed decimals, without a negative zero; empty for NaN/undefined (no value). */
export function fixed(x: number | undefined, decimals: number): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (x === 0) return zeroText(decimals);
  const s = x.toFixed(decimals);
  // A tiny negative rounds to "-0.000": print it as zero.
  return x < 0 && Number(s) === 0 ? s.slice(1) : s;
}

const zeros: string[] = [];
/** "0", "0.0", "0.00" …, made once. */
function zeroText(decimals: number): string {
  return (zeros[decimals] ??= decimals === 0 ? '0' : `0.${'0'.repeat(decimals)}`);
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

/**
 * What a batch shows while it runs, on stderr (stdout keeps the final summary).
 * On a terminal: a progress bar with finished/total runs, failures, runs in
 * progress and the ETA (cli-progress). Elsewhere (CI logs, pipes): one line per
 * finished run, `[ 3/12] ok      <run id>  2.1 s`, and nothing else.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { RunRow } from './summary.ts';

export interface ProgressStart {
  readonly name: string;
  readonly total: number;
  /** Runs already finished by an earlier invocation (not run again). */
  readonly reused: number;
  readonly workers: number;
}

export interface BatchProgress {
  start(info: ProgressStart): void;
  running(count: number): void;
  finished(row: RunRow, ms: number): void;
  /** A message between progress updates (on a terminal, printed above the bar). */
  note(text: string): void;
  stop(): void;
}

export const silentProgress: BatchProgress = { start() {}, running() {}, finished() {}, note() {}, stop() {} };

/** The bar on a terminal, lines otherwise. */
export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): BatchProgress {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

class LineProgress implements BatchProgress {
  private done = 0;
  private total = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}
  start(info: ProgressStart): void {
    this.total = info.total;
    this.done = info.reused;
  }
  running(): void {}
  finished(row: RunRow, ms: number): void {
    this.done++;
    const n = String(this.total).length;
    const status = row.status === 'ok' ? 'ok    ' : 'FAILED';
    const tail = row.status === 'ok' ? `  ${(ms / 1000).toFixed(1)} s` : `: ${row.error}`;
    this.out.write(`[${String(this.done).padStart(n)}/${this.total}] ${status} ${row.run.id}${tail}\n`);
  }
  note(text: string): void {
    this.out.write(`${text}\n`);
  }
  stop(): void {}
}

class BarProgress implements BatchProgress {
  private readonly multi: MultiBar;
  private bar: SingleBar | undefined;
  private done = 0;
  private failed = 0;
  private inFlight = 0;
  private last = '';
  constructor(stream: NodeJS.WriteStream) {
    this.multi = new MultiBar(
      {
        stream,
        format: '{bar} {value}/{total} runs | {failed} failed | {running} running | ETA {eta_formatted} | {last}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 8,
        etaAsynchronousUpdate: true,
        fps: 5,
        autopadding: true,
      },
      Presets.shades_classic,
    );
  }
  private payload(): Record<string, unknown> {
    return { failed: this.failed, running: this.inFlight, last: this.last };
  }
  start(info: ProgressStart): void {
    this.done = info.reused;
    this.last = info.reused ? `${info.reused} already done` : '';
    this.bar = this.multi.create(info.total, this.done, this.payload());
  }
  running(count: number): void {
    this.inFlight = count;
    this.bar?.update(this.done, this.payload());
  }
  finished(row: RunRow): void {
    this.done++;
    if (row.status === 'failed') {
      this.failed++;
      this.multi.log(`FAILED ${row.run.id}: ${row.error}\n`);
    }
    this.last = `last: ${row.run.id}`;
    this.bar?.update(this.done, this.payload());
  }
  note(text: string): void {
    this.multi.log(`${text}\n`);
  }
  stop(): void {
    this.multi.stop();
  }
}

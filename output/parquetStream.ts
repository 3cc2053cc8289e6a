/**
 * Parquet tables written while the run goes (`--format parquet`), with no CSV file first.
 *
 * The recorder formats each row once, as CSV text (output/recorder.ts: the one place values
 * are formatted and rounded). With Parquet asked for, each table's text goes into a named
 * pipe (a FIFO in a temporary folder) instead of (or, with `csv,parquet`, as well as) a
 * file, and DuckDB reads the pipe as it is written: `COPY (SELECT … FROM read_csv(<pipe>))
 * TO <table>.parquet`, the same statement output/parquet.ts runs on a CSV file, so the
 * values, types and bytes are those of converting the CSV file after the run
 * (test/output/parquetStream.spec.ts checks byte equality). DuckDB writes one row group
 * (122,880 rows) at a time; the pipe holds 64 KB; so memory is bounded by DuckDB's buffers
 * (`MEMORY_LIMIT` per table), never by a table's length, and no table is ever held whole,
 * in memory or on disk as text.
 *
 * DuckDB runs in a child process (one per run, one DuckDB database and one libuv thread
 * per table): each COPY blocks a thread while it waits on its pipe, and in this process
 * the libuv pool (4 threads, shared by batch workers) would run out and deadlock. The
 * child also gives the parse-and-encode work its own core. Writes block when a pipe is
 * full (backpressure: the run never gets ahead of DuckDB by more than the pipe); a child
 * that died makes the next write fail (EPIPE) and the run fail loudly, naming the table.
 *
 * Deterministic: one DuckDB thread per table, insertion order kept, no timestamps in the
 * files: the same run gives the same bytes with the same DuckDB. Each file is written as
 * `<table>.parquet.partial` and renamed once complete; an interrupted run leaves the
 * tables, every row of the intervals done, under those names. Not pure: processes, pipes, files.
 *
 * The child ends with the run even when the run cannot tell it: a batch worker thread ended in the
 * middle of a run (a crash, `--run-timeout`, a second Ctrl-C) never ends the pipes of the tables it
 * had not opened yet, and DuckDB used to wait for a writer to open them for ever. Its stdin, which
 * nobody writes, is a pipe that closes with the thread: the child then ends (`ORPHAN_GRACE_MS`).
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { csvSource, MEMORY_LIMIT, sqlString } from './parquet.ts';
import { type ExtraColumns, RUN_TABLES, tableHeader } from './tables.ts';

/** The run folder's folder of Parquet files being written (a `.partial` name: what an interrupted or failed run's clean-up removes). */
export const PARQUET_STAGING = 'parquet.partial';

/** Where a table's bytes go besides (or instead of) its CSV file. */
export interface ByteSink {
  /** Writes `length` bytes of `buf`, blocking until the reader took what the pipe cannot hold. */
  write(buf: Uint8Array, length: number): void;
  close(): void;
}

/** How long a table waits for DuckDB to open its pipe (the child starts in well under a second). */
const OPEN_TIMEOUT_MS = 120_000;

/**
 * How long the child goes on once the run feeding it is gone, for the tables whose pipes ended with
 * it to complete (their last row group; an interrupted `gridbid run` keeps them as `.parquet.partial`).
 */
const ORPHAN_GRACE_MS = 5_000;

/** The child's program (plain JavaScript, so it starts without a TypeScript loader): one COPY per table, all at once. */
const CHILD = `
const spec = JSON.parse(process.argv[1]);
// stdin is a pipe from the run that feeds the tables, which never writes to it: it ends when that run is
// gone (its process exited, or the batch worker thread running it was ended: a crash, --run-timeout). A
// table pipe that run never opened, or never closed, would keep this process waiting for ever: the tables
// whose pipes did end get the grace time to complete.
// Then SIGKILL, not exit: exit waits for the threads, and a thread waiting on a pipe never returns.
process.stdin.on('end', () => setTimeout(() => {
  require('node:fs').rmSync(spec.dir, { recursive: true, force: true });
  process.kill(process.pid, 'SIGKILL');
}, spec.graceMs).unref());
process.stdin.on('error', () => {});
process.stdin.resume();
process.stdin.unref();
(async () => {
  const { DuckDBInstance } = await import(spec.duckdb);
  const results = await Promise.all(spec.tables.map(async (t) => {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: spec.memoryLimit, preserve_insertion_order: 'true', temp_directory: t.spill });
    const conn = await instance.connect();
    try {
      await conn.run(t.sql);
      return { table: t.table };
    } catch (err) {
      const error = String(err && err.message || err);
      // Seen by the writer at once (it may be waiting for this table's pipe to open).
      require('node:fs').writeFileSync(t.fifo + '.failed', error);
      return { table: t.table, error };
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }));
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ results, maxRssKb: process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\\n');
})().catch((err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exit(1); });
`;

/** The DuckDB package this process uses, for the child to load the same (resolved here: the child runs from no folder of ours). */
const DUCKDB_URL = pathToFileURL(createRequire(import.meta.url).resolve('@duckdb/node-api')).href;

/**
 * Every run's DuckDB child since the process started: their CPU time summed and the highest
 * peak RSS, for the benches (the child's memory is not in this process's RSS).
 */
export const parquetChildUsage = { runs: 0, cpuMs: 0, maxRssMb: 0 };

interface ChildReport {
  readonly results: Array<{ table: string; error?: string }>;
  readonly maxRssKb: number;
  readonly cpuMs: number;
}

/**
 * The Parquet side of one run: a pipe and a COPY per table of output/tables.ts, started
 * at once (the tables a run may write are known; those it does not write get an empty
 * pipe at the end and no file). Not reusable: one per run.
 */
export class ParquetStreams {
  private readonly dir: string;
  private readonly child: ChildProcess;
  private readonly report: Promise<ChildReport>;
  private readonly opened = new Map<string, PipeSink>();
  private closed = false;
  /** Per table, the columns its pipe's COPY reads (output/tables.ts, with the run's optional ones). */
  private readonly headers = new Map<string, readonly string[]>();

  /** `extra`: the optional columns (output/tables.ts OPTIONAL_COLUMNS) this run's tables have. */
  constructor(
    readonly outDir: string,
    extra: ExtraColumns = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'gridbid-pipes-'));
    mkdirSync(join(outDir, PARQUET_STAGING), { recursive: true });
    const tables = RUN_TABLES.map((table) => {
      const fifo = join(this.dir, `${table}.csv`);
      execFileSync('mkfifo', ['-m', '600', fifo]);
      const header = tableHeader(table, extra);
      this.headers.set(table, header);
      const sql = `copy (select ${header.map(ident).join(', ')} from ${csvSource(fifo, table, header)}) to ${sqlString(resolve(this.partial(table)))} (format parquet, compression zstd)`;
      return { table, fifo, sql, spill: join(this.dir, `${table}.spill`) };
    });
    this.child = spawn(process.execPath, ['-e', CHILD, JSON.stringify({ duckdb: DUCKDB_URL, memoryLimit: MEMORY_LIMIT, tables, dir: this.dir, graceMs: ORPHAN_GRACE_MS })], {
      // A pool thread per COPY (each blocks on its pipe) and a few for DuckDB's start-up calls.
      env: { ...process.env, UV_THREADPOOL_SIZE: String(RUN_TABLES.length + 4), NODE_OPTIONS: '' },
      // stdin: never written; its end tells the child that this run is gone (CHILD).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    this.report = new Promise((done, fail) => {
      this.child.on('error', fail);
      this.child.on('close', (code, signal) => {
        const line = out.trim().split('\n').at(-1);
        if (code === 0 && line) done(JSON.parse(line) as ChildReport);
        else fail(new Error(`the Parquet writer (DuckDB, child process) stopped (${signal ?? `exit ${code}`})${err.trim() ? `: ${err.trim()}` : ''}`));
      });
    });
    // An interrupted run's caller may never wait for it: it must not keep the process alive.
    this.report.catch(() => undefined);
  }

  /**
   * Where DuckDB writes `table`'s file until it is complete: in a folder of the run's own,
   * `parquet.partial/`, made before the child starts. A run that is ended (its batch worker thread
   * terminated) has its folder cleared of `*.partial` at once (batch/runScenarioFile.ts
   * `failRunFolder`), but its child may start its COPYs only later (a loaded machine: seconds): a
   * COPY into a folder that is gone fails, where one into the run folder itself left eight
   * `<table>.parquet.partial` files behind its cleanup (the batch test of an ended run, under load).
   */
  private partial(table: string): string {
    return join(this.outDir, PARQUET_STAGING, `${table}.parquet`);
  }

  /** The sink of `table`'s CSV text; `header` must be output/tables.ts's columns for it (with the run's optional ones), in order. */
  open(table: string, header: readonly string[]): ByteSink {
    const columns = this.headers.get(table);
    if (!columns || String(columns) !== String(header)) throw new Error(`parquet: table ${table} is written with columns [${header}], output/tables.ts has [${columns ?? 'no such table'}] for this run`);
    if (this.opened.has(table)) throw new Error(`parquet: table ${table} opened twice`);
    const sink = new PipeSink(join(this.dir, `${table}.csv`), table, this.child);
    this.opened.set(table, sink);
    return sink;
  }

  /**
   * After every table's sink is closed: gives the tables never written an empty pipe,
   * waits for DuckDB, renames the complete files and drops the empty ones. Throws (naming
   * the table) when DuckDB failed on a table the run wrote.
   */
  async complete(): Promise<string[]> {
    this.endUnopened();
    try {
      const report = await this.report;
      parquetChildUsage.runs++;
      parquetChildUsage.cpuMs += report.cpuMs;
      parquetChildUsage.maxRssMb = Math.max(parquetChildUsage.maxRssMb, report.maxRssKb / 1024);
      const written: string[] = [];
      for (const { table, error } of report.results) {
        if (!this.opened.has(table)) {
          rmSync(this.partial(table), { force: true });
          continue;
        }
        if (error !== undefined) throw new Error(`parquet: writing ${table}.parquet failed: ${error}`);
        renameSync(this.partial(table), join(this.outDir, `${table}.parquet`));
        written.push(table);
      }
      return written;
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
      rmSync(join(this.outDir, PARQUET_STAGING), { recursive: true, force: true });
    }
  }

  /** An interrupted run: the tables written so far stay in `parquet.partial/` (DuckDB completes them once their pipes end). */
  abandon(): void {
    this.endUnopened();
    void this.report.then(
      (report) => {
        for (const { table } of report.results) if (!this.opened.has(table)) rmSync(this.partial(table), { force: true });
      },
      () => undefined,
    ).finally(() => rmSync(this.dir, { recursive: true, force: true }));
  }

  /** Ends the pipes of the tables this run never opened: DuckDB reads an empty table, whose file is dropped. */
  private endUnopened(): void {
    if (this.closed) return;
    this.closed = true;
    for (const table of RUN_TABLES) {
      if (this.opened.has(table)) continue;
      try {
        new PipeSink(join(this.dir, `${table}.csv`), table, this.child).close();
      } catch {
        // The child failed or died: its report says so, and nothing of this table was wanted.
      }
    }
  }
}

const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** Blocks the thread for `ms` (no event loop turn: the recorder is synchronous). */
const pause = (() => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (ms: number): void => void Atomics.wait(cell, 0, 0, ms);
})();

/** The writing end of one table's pipe, opened at the first write (by then the child has usually opened the reading end). */
class PipeSink implements ByteSink {
  private fd = -1;

  constructor(
    private readonly fifo: string,
    private readonly table: string,
    private readonly child: ChildProcess,
  ) {}

  write(buf: Uint8Array, length: number): void {
    if (this.fd < 0) this.fd = this.openWriter();
    let off = 0;
    try {
      while (off < length) off += writeSync(this.fd, buf, off, length - off);
    } catch (err) {
      throw this.failure(err);
    }
  }

  close(): void {
    if (this.fd === -2) return;
    if (this.fd < 0) this.fd = this.openWriter();
    closeSync(this.fd);
    this.fd = -2;
  }

  /**
   * Waits for DuckDB to open the reading end, then opens the writing end in blocking mode.
   * A non-blocking open fails (ENXIO) while no reader has the pipe open, so a child that
   * never got there is seen (its exit, or the timeout) instead of hanging the run.
   */
  private openWriter(): number {
    if (this.fd === -2) throw new Error(`parquet: table ${this.table} written after it was closed`);
    const deadline = Date.now() + OPEN_TIMEOUT_MS;
    for (;;) {
      try {
        const probe = openSync(this.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        // A reader is there: a blocking descriptor, so full pipes wait in the kernel, not in a loop.
        const fd = openSync(this.fifo, constants.O_WRONLY);
        closeSync(probe);
        return fd;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw this.failure(err);
      }
      if (existsSync(`${this.fifo}.failed`) || childGone(this.child) || Date.now() > deadline) throw this.failure(new Error('DuckDB never opened the table'));
      pause(2);
    }
  }

  private failure(err: unknown): Error {
    const code = (err as NodeJS.ErrnoException).code;
    const failed = `${this.fifo}.failed`;
    const why = existsSync(failed)
      ? `DuckDB: ${readFileSync(failed, 'utf8')}`
      : code === 'EPIPE'
        ? 'the Parquet writer (DuckDB, child process) stopped reading'
        : err instanceof Error
          ? err.message
          : String(err);
    return new Error(`parquet: cannot write ${this.table}.parquet: ${why}`);
  }
}

/** Whether the child has exited (seen without an event loop turn: from /proc where there is one). */
function childGone(child: ChildProcess): boolean {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const stat = `/proc/${child.pid}/stat`;
  if (child.pid === undefined) return true;
  if (!existsSync(stat)) return process.platform === 'linux';
  // The state is the field after the parenthesised command name; Z is a zombie (exited, not yet reaped).
  const text = readFileSync(stat, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) === 'Z';
}

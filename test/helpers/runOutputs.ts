/**
 * Runs a scenario for real into a temporary folder, lets the caller read the files it
 * wrote, and removes the folder: what the comms specs need from a run, without each
 * spec repeating the folder's life cycle.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runScenario } from '../../engine/run.ts';
import type { Scenario } from '../../engine/scenario/load.ts';

export type Row = Record<string, string>;

/** The run's folder: a file as text, a CSV file as rows keyed by its header, summary.json parsed. */
export interface RunFiles {
  text(file: string): string;
  rows(file: string): Row[];
  summary(): any;
}

export async function runAndRead<T>(scenario: Scenario, read: (files: RunFiles) => T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbid-run-'));
  try {
    await runScenario(scenario, { outDir: dir });
    const text = (file: string): string => readFileSync(join(dir, file), 'utf8');
    return read({ text, rows: (file) => parse(text(file), { columns: true }) as Row[], summary: () => JSON.parse(text('summary.json')) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

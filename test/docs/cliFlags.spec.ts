/**
 * The flags the documentation shows are the CLI's, and the README's command table shows
 * every flag: each `gridbid <command> … --flag` (also `npm run scenario -- …` = run,
 * `npm run batch -- …` = batch) in README.md, docs/*.md and scenarios/sweeps/README.md
 * names an option listed in that command's `--help`, and each option of each command's
 * `--help` appears in the README's row for that command. Read from the real executable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DATABASE_FILE } from '../../batch/database.ts';
import { REPORT_FILE, SUMMARY_FILE } from '../../batch/runFiles.ts';
import { gridbid, REPO_ROOT } from '../helpers/cli.ts';

const DOCS = ['README.md', 'docs/architecture.md', 'docs/clear.md', 'docs/comms.md', 'docs/markets.md', 'docs/performance.md', 'docs/strategies.md', 'scenarios/sweeps/README.md'];
const COMMANDS = ['run', 'validate', 'batch merge', 'batch', 'clear', 'worker', 'query'] as const;
type Command = (typeof COMMANDS)[number];

/** The long options in a `--help` text's Options block. */
function helpFlags(help: string): Set<string> {
  const block = help.split('\nOptions:\n')[1]?.split(/\n\n|\nCommands:\n/)[0] ?? '';
  return new Set([...block.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

/** Every (command, flag, where) a line shows: `gridbid <command> …` up to the end of its code span or table cell. */
function shownFlags(line: string): { command: Command; flag: string }[] {
  const out: { command: Command; flag: string }[] = [];
  const re = /(?:gridbid(?: --)?|npm run (scenario|batch) --) (run|validate|batch merge|batch|clear|worker|query)?\b([^`\n]*)/g;
  for (const m of line.matchAll(re)) {
    const command = (m[2] ?? (m[1] === 'scenario' ? 'run' : m[1] === 'batch' ? 'batch' : undefined)) as Command | undefined;
    if (command === undefined) continue;
    const rest = m[3]!.split(/(?<!\\)\|/)[0]!; // a table cell ends at an unescaped |
    for (const f of rest.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)) if (f[1] !== '--help') out.push({ command, flag: f[1]! });
  }
  return out;
}

describe('docs: the CLI flags the documentation shows exist, and the README shows them all', function () {
  this.timeout(60_000);
  const flags = new Map<Command, Set<string>>();
  const helps = new Map<Command, string>();
  before(() => {
    for (const c of COMMANDS) {
      const r = gridbid([...c.split(' '), '--help']);
      expect(r.status, `${c} --help`).to.equal(0);
      flags.set(c, helpFlags(r.stdout));
      helps.set(c, r.stdout);
    }
  });

  it('reads every command’s options from its --help', () => {
    expect([...flags.get('run')!]).to.include.members(['--out', '--seed', '--format', '--progress', '--no-progress']);
    expect([...flags.get('batch merge')!]).to.deep.equal(['--out', '--help']);
  });

  for (const doc of DOCS) {
    it(`${doc}: every flag shown after a command is one of its options`, () => {
      const unknown: string[] = [];
      readFileSync(join(REPO_ROOT, doc), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const { command, flag } of shownFlags(line)) if (!flags.get(command)!.has(flag)) unknown.push(`${doc}:${i + 1}: gridbid ${command} has no ${flag}`);
        });
      expect(unknown).to.deep.equal([]);
    });
  }

  it('the README’s command table shows every option of every command', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const rows = readme.split('\n').filter((l) => l.startsWith('| `gridbid '));
    const missing: string[] = [];
    for (const c of COMMANDS) {
      const shown = new Set(rows.filter((r) => r.startsWith(`| \`gridbid ${c} `) && !(c === 'batch' && r.startsWith('| `gridbid batch merge'))).flatMap((r) => [...r.matchAll(/(--[a-z][a-z-]*)/g)].map((m) => m[1]!)));
      for (const f of flags.get(c)!) if (f !== '--help' && !shown.has(f)) missing.push(`gridbid ${c} ${f}`);
    }
    expect(missing).to.deep.equal([]);
  });

  it('batch and batch merge --help name every file of the batch folder they write (summary.csv, batch-report.html, results.duckdb)', () => {
    for (const c of ['batch', 'batch merge'] as const) expect([SUMMARY_FILE, REPORT_FILE, DATABASE_FILE].filter((f) => !helps.get(c)!.includes(f)), c).to.deep.equal([]);
  });

  it('docs/clear.md’s option table lists exactly clear’s options, with the defaults its --help gives', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/clear.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `(--[a-z-]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    expect([...rows.keys()].sort()).to.deep.equal([...flags.get('clear')!].filter((f) => f !== '--help').sort());
    const help = helps.get('clear')!.replace(/\s+/g, ' ');
    for (const [flag, shown] of rows) {
      const d = new RegExp(`${flag} [^-]*?default: "([^"]+)"`).exec(help);
      expect(shown, flag).to.equal(d ? `\`${d[1]}\`` : 'off');
    }
  });

  it('finds the flags of a line', () => {
    expect(shownFlags('| `gridbid batch merge <shard folders…> [--out DIR]` | x --json |')).to.deep.equal([{ command: 'batch merge', flag: '--out' }]);
    expect(shownFlags('npm run scenario -- scenarios/a.yaml --seed 7')).to.deep.equal([{ command: 'run', flag: '--seed' }]);
    expect(shownFlags('`gridbid clear <case> [--solver highs\\|jslp] [--ac]`')).to.deep.equal([{ command: 'clear', flag: '--solver' }, { command: 'clear', flag: '--ac' }]);
  });
});

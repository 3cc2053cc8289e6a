/**
 * The layering rules (test/layering/layers.ts, docs/architecture.md) hold on the
 * shipped sources, and each rule fires on a deliberate violation: a fixture tree in a
 * temporary folder where every forbidden import sits in its own file next to an allowed
 * one, cruised once; the violations found must be exactly the forbidden ones.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkLayering, describeViolation, type LayerCheck } from './check.ts';
import { FORBIDDEN, LAYERS } from './layers.ts';

/** A fixture file importing `to` (relative to the fixture root, or a package name); `type` makes it `import type`. */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly type?: boolean;
  /** The rule that must report it; undefined when the import is allowed. */
  readonly rule?: string;
}

const EDGES: readonly Edge[] = [
  // the layers, bottom to top
  { from: 'core/a.ts', to: 'network/types.ts', type: true, rule: 'core-imports-no-layer-above' },
  { from: 'network/a.ts', to: 'market/types.ts', type: true, rule: 'network-imports-no-layer-above' },
  { from: 'network/b.ts', to: 'core/units.ts' },
  { from: 'market/a.ts', to: 'agents/types.ts', type: true, rule: 'market-imports-no-layer-above' },
  { from: 'market/b.ts', to: 'strategies/types.ts', rule: 'market-imports-no-layer-above' },
  { from: 'market/c.ts', to: 'network/types.ts' },
  { from: 'tariffs/a.ts', to: 'engine/simulation.ts', rule: 'tariffs-comms-metering-imports-no-layer-above' },
  { from: 'comms/a.ts', to: 'metering/meter.ts' },
  { from: 'metering/a.ts', to: 'comms/messages.ts' },
  { from: 'strategies/a.ts', to: 'agents/types.ts', type: true, rule: 'strategies-imports-no-layer-above' },
  { from: 'strategies/b.ts', to: 'market/types.ts' },
  { from: 'agents/a.ts', to: 'engine/simulation.ts', type: true, rule: 'agents-imports-no-layer-above' },
  { from: 'agents/b.ts', to: 'strategies/types.ts' },
  { from: 'engine/a.ts', to: 'batch/plan.ts', rule: 'engine-imports-no-layer-above' },
  { from: 'engine/b.ts', to: 'agents/types.ts' },
  { from: 'output/a.ts', to: 'cli/program.ts', rule: 'output-imports-no-layer-above' },
  { from: 'batch/a.ts', to: 'cli/program.ts', rule: 'batch-imports-no-layer-above' },
  { from: 'batch/b.ts', to: 'output/recorder.ts' },
  { from: 'cli/a.ts', to: 'batch/plan.ts' },
  // the engine hands outcomes to output/ from run.ts only
  { from: 'engine/simulation.ts', to: 'output/recorder.ts', rule: 'engine-to-output-only-from-run' },
  { from: 'engine/run.ts', to: 'output/recorder.ts' },
  // physics is pure
  { from: 'agents/physics/a.ts', to: 'xstate', rule: 'physics-is-pure' },
  { from: 'agents/physics/b.ts', to: 'agents/types.ts', type: true, rule: 'physics-is-pure' },
  { from: 'agents/physics/c.ts', to: 'core/units.ts' },
  // agent kinds are independent
  { from: 'agents/building/a.ts', to: 'agents/home/runtime.ts', rule: 'agent-kinds-are-independent' },
  { from: 'agents/operations/a.ts', to: 'agents/ev/machine.ts', type: true, rule: 'agent-kinds-are-independent' },
  { from: 'agents/building/b.ts', to: 'agents/building/machine.ts' },
  { from: 'agents/building/c.ts', to: 'agents/physics/c.ts' },
  { from: 'agents/building/d.ts', to: 'agents/types.ts' },
  // output reads data, not the simulation
  { from: 'output/b.ts', to: 'engine/simulation.ts', type: true, rule: 'output-reads-engine-data-only' },
  { from: 'output/c.ts', to: 'engine/interval/outcome.ts', type: true },
  { from: 'output/d.ts', to: 'agents/home/runtime.ts', rule: 'output-reads-agent-machines-only' },
  { from: 'output/e.ts', to: 'agents/home/machine.ts' },
  { from: 'output/f.ts', to: 'agents/registry.ts' },
  // examples use the package
  { from: 'strategies/examples/a.ts', to: 'strategies/types.ts', type: true, rule: 'examples-use-the-package' },
  { from: 'strategies/examples/b.ts', to: 'gridbid' },
  // the package's entry imports every layer: a module of a layer importing it climbs above its layer
  { from: 'market/d.ts', to: 'gridbid', rule: 'only-examples-import-the-package' },
  // what the package ships imports only what it ships
  { from: 'market/e.ts', to: 'test/helpers/units.ts', type: true, rule: 'shipped-code-imports-shipped-code' },
  { from: 'cli/b.ts', to: 'bench/run.ts', rule: 'shipped-code-imports-shipped-code' },
];

/**
 * Import types the swc parser does not record (in a type alias, in a parameter): the check
 * must say it cannot see them, or a layer could import upwards, or close a cycle, through them.
 */
const IMPORT_TYPES: ReadonlyArray<{ readonly from: string; readonly text: string; readonly unseen: string }> = [
  { from: 'network/alias.ts', text: "export type S = import('../agents/types.ts').T;", unseen: 'network/alias.ts → ../agents/types.ts' },
  { from: 'core/param.ts', text: "export type F = (s: readonly import('../engine/simulation.ts').T[]) => void;", unseen: 'core/param.ts → ../engine/simulation.ts' },
];

/** A cycle of type-only imports: the kind tsc erases and a tsc-based check without `tsPreCompilationDeps` misses. */
const CYCLE = ['market/cycle/a.ts', 'market/cycle/b.ts', 'market/cycle/c.ts'];

function writeFixture(root: string): void {
  const files = new Map<string, string>();
  const add = (path: string, line: string): void => void files.set(path, `${files.get(path) ?? ''}${line}\n`);
  for (const e of EDGES) {
    if (e.to.includes('/')) {
      const spec = relativeSpec(e.from, e.to);
      add(e.from, e.type ? `import type { T } from '${spec}';\nexport type U = T;` : `import { v } from '${spec}';\nexport const w = v;`);
      add(e.to, 'export type T = number;\nexport const v = 1;');
    } else add(e.from, `import { setup } from '${e.to}';\nexport const m = setup;`);
  }
  for (const t of IMPORT_TYPES) add(t.from, t.text);
  CYCLE.forEach((f, i) => add(f, `import type { C${(i + 1) % CYCLE.length} } from '${relativeSpec(f, CYCLE[(i + 1) % CYCLE.length]!)}';\nexport type C${i} = C${(i + 1) % CYCLE.length} | ${i};`));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function relativeSpec(from: string, to: string): string {
  const up = from.split('/').length - 1;
  return `${up === 0 ? './' : '../'.repeat(up)}${to}`;
}

describe('layering: dependency-cruiser checks the layers of docs/architecture.md', function () {
  this.timeout(120_000);

  it('the shipped sources keep every rule, with no cycle (type-only imports included)', () => {
    const check = checkLayering();
    expect(check.violations.map(describeViolation)).to.deep.equal([]);
    expect(check.unresolved).to.deep.equal([]);
    expect(check.unseen).to.deep.equal([]);
    expect(check.modules, 'modules cruised').to.be.greaterThan(200);
  });

  describe('on a fixture tree with one file per deliberate violation', () => {
    let root: string;
    let check: LayerCheck;
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'gridbid-layers-'));
      writeFixture(root);
      check = checkLayering(root, LAYERS.flat());
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('reports exactly the forbidden imports, each under its rule, and none of the allowed ones', () => {
      const found = check.violations.filter((v) => !v.cycle).map((v) => `${v.rule}: ${v.from} → ${v.to}`);
      const expected = EDGES.filter((e) => e.rule).map((e) => `${e.rule}: ${e.from} → ${e.to}`);
      expect([...found].sort()).to.deep.equal([...expected].sort());
    });

    it('reports a cycle made only of type imports', () => {
      const cycles = check.violations.filter((v) => v.cycle);
      expect(cycles.map((v) => v.rule)).to.deep.equal(['no-cycles']);
      expect(new Set([cycles[0]!.from, ...cycles[0]!.cycle!])).to.deep.equal(new Set(CYCLE));
    });

    it('says which import types it cannot see (a type alias, a parameter)', () => {
      expect([...check.unseen].sort()).to.deep.equal(IMPORT_TYPES.map((t) => t.unseen).sort());
    });

    it('every rule of the configuration fires on some fixture (no rule is dead)', () => {
      expect(new Set(check.violations.map((v) => v.rule))).to.deep.equal(new Set(FORBIDDEN.map((r) => r.name)));
    });
  });

  it('the layers are exactly what the package compiles (tsconfig.build.json include)', () => {
    const text = readFileSync(new URL('../../tsconfig.build.json', import.meta.url), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    const include = (JSON.parse(text) as { include: string[] }).include;
    expect([...include].sort()).to.deep.equal(['index.ts', ...LAYERS.flat()].sort());
  });

  it('docs/architecture.md names every rule', () => {
    const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    for (const r of FORBIDDEN) expect(doc, r.name!).to.include(`\`${r.name}\``);
  });
});

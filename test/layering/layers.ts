/**
 * gridbid's layers, as rules dependency-cruiser checks (docs/architecture.md explains
 * them). `npm test` runs them (test/layering/layers.spec.ts); `npm run layers` prints
 * every violation.
 *
 * Bottom to top, each folder may import only from the folders below it:
 *
 *   core → network → market → tariffs, comms, metering → strategies → agents
 *        → engine → output → batch → cli → index.ts (the package's entry)
 *
 * with these refinements:
 * - no import cycles, type-only imports included (the swc parser keeps `import type`);
 * - `agents/physics/` is pure: only `core/` and itself, no XState;
 * - agent kinds (`agents/<kind>/`) do not import one another: what they share lives in
 *   `agents/physics/`, `agents/flexibility/` or `agents/` itself;
 * - `output/` reads the engine's data types, not the simulation: from `engine/` only the
 *   modules of OUTPUT_READS_FROM_ENGINE, from `agents/` only the state machines it draws;
 * - `engine/run.ts` is the one place the engine hands its outcomes to `output/` (it wires
 *   a simulation to a recorder), so it is the one engine module that may import `output/`;
 * - the strategy examples use the package's public entry point only, and nothing else does;
 * - what the package ships imports nothing it does not ship (test/, bench/, scripts/);
 * - every `import('…')` of a local module is one the check sees (check.ts `unseen`): swc's
 *   parser misses import types in a type alias or a parameter.
 */
import type { IConfiguration, IForbiddenRuleType } from 'dependency-cruiser';

/** The layers, bottom first; folders in the same entry are peers and may import one another. */
export const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['network'],
  ['market'],
  ['tariffs', 'comms', 'metering'],
  ['strategies'],
  ['agents'],
  ['engine'],
  ['output'],
  ['batch'],
  ['cli'],
];

/** What the package ships and the check cruises (tsconfig.build.json `include`, less `index.ts`'s own layer). */
export const SOURCES: readonly string[] = ['index.ts', ...LAYERS.flat()];

/** The engine modules that are plain data types (an interval's outcome, parties, book checks, the retail desk's bills). */
export const OUTPUT_READS_FROM_ENGINE: readonly string[] = ['engine/interval/outcome.ts', 'engine/interval/participants.ts', 'engine/interval/books.ts', 'engine/interval/losses.ts', 'engine/interval/meteredFeeder.ts', 'engine/retail.ts'];

const AGENT_KINDS = ['home', 'building', 'ev', 'storage', 'generator', 'retailer', 'aggregator', 'operations'];

const folders = (names: readonly string[]): string => `^(${names.join('|')})/`;
const files = (paths: readonly string[]): string => `^(${paths.map((p) => p.replace(/\./g, '\\.')).join('|')})$`;

/** One rule per layer: nothing in it imports a layer above it. */
function layerRules(): IForbiddenRuleType[] {
  return LAYERS.slice(0, -1).map((layer, i) => {
    const above = LAYERS.slice(i + 1).flat();
    const rule: IForbiddenRuleType = {
      name: `${layer.join('-')}-imports-no-layer-above`,
      comment: `${layer.join(', ')} may import only ${LAYERS.slice(0, i).flat().join(', ') || 'npm packages and node'} (docs/architecture.md)`,
      severity: 'error',
      from: { path: folders(layer) },
      to: { path: folders(above) },
    };
    // engine/run.ts wires a simulation to output/'s recorder (see the header).
    if (layer.includes('engine')) return { ...rule, from: { ...rule.from, pathNot: '^engine/run\\.ts$' }, to: { path: folders(above.filter((f) => f !== 'output')) } };
    return rule;
  });
}

export const FORBIDDEN: readonly IForbiddenRuleType[] = [
  {
    name: 'no-cycles',
    comment: 'no import cycles, type-only imports included',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  ...layerRules(),
  {
    name: 'engine-to-output-only-from-run',
    comment: 'only engine/run.ts hands outcomes to output/ (it wires a simulation to a recorder)',
    severity: 'error',
    from: { path: '^engine/', pathNot: '^engine/run\\.ts$' },
    to: { path: '^output/' },
  },
  {
    name: 'physics-is-pure',
    comment: 'agents/physics/ is pure functions over plain data: core/ and itself only, no XState',
    severity: 'error',
    from: { path: '^agents/physics/' },
    to: { path: '^(?!(core|agents/physics)/)[a-z]+/|(^|/)node_modules/xstate/|^xstate$' },
  },
  {
    name: 'agent-kinds-are-independent',
    comment: 'an agent kind does not import another kind; shared code lives in agents/physics/, agents/flexibility/ or agents/',
    severity: 'error',
    from: { path: `^agents/(${AGENT_KINDS.join('|')})/` },
    to: { path: `^agents/(${AGENT_KINDS.join('|')})/`, pathNot: '^agents/$1/' },
  },
  {
    name: 'output-reads-engine-data-only',
    comment: `output/ depends on the engine's data types (${OUTPUT_READS_FROM_ENGINE.join(', ')}), not on the simulation`,
    severity: 'error',
    from: { path: '^output/' },
    to: { path: '^engine/', pathNot: files(OUTPUT_READS_FROM_ENGINE) },
  },
  {
    name: 'output-reads-agent-machines-only',
    comment: 'output/ draws the agents\' state machines (agents/registry.ts lists them); nothing else of agents/',
    severity: 'error',
    from: { path: '^output/' },
    to: { path: '^agents/', pathNot: '^agents/(registry\\.ts|[a-z]+/machine\\.ts)$' },
  },
  {
    name: 'examples-use-the-package',
    comment: 'strategy examples import gridbid by its package name, as a user would',
    severity: 'error',
    from: { path: '^strategies/examples/' },
    to: { path: `${folders(SOURCES.filter((s) => s !== 'index.ts'))}|^index\\.ts$` },
  },
  {
    name: 'shipped-code-imports-shipped-code',
    comment: 'the package ships the layers and index.ts: a module importing test/, bench/ or scripts/ would break the installed package, or ship tests inside dist/',
    severity: 'error',
    from: { path: `${folders(LAYERS.flat())}|^index\\.ts$` },
    to: { dependencyTypes: ['local'], path: `^(?!(${LAYERS.flat().join('|')})/)[^/]+/` },
  },
  {
    name: 'only-examples-import-the-package',
    comment: "gridbid's modules import one another by path: the package entry ('gridbid', index.ts) imports every layer, and the check does not follow it",
    severity: 'error',
    from: { path: folders(LAYERS.flat()), pathNot: '^strategies/examples/' },
    to: { path: '^gridbid(/|$)' },
  },
];

export const layering: IConfiguration = {
  forbidden: [...FORBIDDEN],
  options: {
    // dependency-cruiser's tsc parser needs TypeScript < 7 (a JS API); swc parses TypeScript
    // and, unlike tsc without `tsPreCompilationDeps`, keeps type-only imports.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    moduleSystems: ['es6'],
  },
};

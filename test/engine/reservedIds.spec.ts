/**
 * Party ids the engine uses itself (engine/scenario/reservedIds.ts) are refused in a
 * scenario with a located error: file, path, line and what was expected.
 */
import { expect } from 'chai';
import { InputFileError } from '../../core/errors.ts';
import { RECONCILIATION_OWNER } from '../../engine/settlementRun.ts';
import { parseScenario } from '../../engine/scenario/load.ts';
import { RESERVED_PARTY_IDS, reservedIdProblem } from '../../engine/scenario/reservedIds.ts';
import { meterIdFor } from '../../metering/meter.ts';
import { LOSSES_BUYER_ID, LOSSES_SELLER_ID } from '../../engine/interval/losses.ts';

const head = 'name: reserved\nstart: 2026-07-01T00:00:00Z\n';
const plant = '  - kind: generator\n    id: plant\n    offers: [{ kw: 10, priceMwh: 20 }]\n';

function issuesOf(text: string): InputFileError['issues'] {
  try {
    parseScenario(text, 'reserved.yaml');
  } catch (e) {
    expect(e).to.be.instanceOf(InputFileError);
    expect((e as InputFileError).message).to.contain('reserved.yaml');
    return (e as InputFileError).issues;
  }
  throw new Error('expected the scenario to be refused');
}

describe('reserved party ids (engine/scenario/reservedIds.ts)', () => {
  it('covers the ids the engine gives its own parties: the reconciliation owner, and meters', () => {
    expect(Object.keys(RESERVED_PARTY_IDS)).to.include(RECONCILIATION_OWNER);
    expect(Object.keys(RESERVED_PARTY_IDS)).to.include('mdms');
    expect(reservedIdProblem(meterIdFor('home-1'))).to.contain("starting 'meter:'");
    expect(reservedIdProblem('marketeer')).to.equal(undefined);
    expect(reservedIdProblem('market', true)).to.equal(undefined); // a prefix: its ids are market-1, market-2, …
  });

  it("covers the losses stage's two parties (engine/interval/losses.ts): an agent or operator named after either is refused", () => {
    expect(Object.keys(RESERVED_PARTY_IDS)).to.include.members([LOSSES_BUYER_ID, LOSSES_SELLER_ID]);
    const issues = issuesOf(`${head}operations:\n  - { id: dso-losses }\nagents:\n${plant}  - kind: generator\n    id: transmission\n    offers: [{ kw: 5, priceMwh: 30 }]\n`);
    // (The operator also lacks a network: its own issue, at operations[0].)
    expect(issues.map((i) => i.path)).to.include.members(['operations[0].id', 'agents[1].id']);
    expect(issues.map((i) => i.message).join('\n')).to.contain("'dso-losses' is reserved for the distribution operator's losses account").and.contain("'transmission' is reserved for the grid behind the substation");
  });

  it("an agent named 'market' is refused at its id, with line and what was expected", () => {
    const issues = issuesOf(`${head}agents:\n${plant}  - kind: generator\n    id: market\n    offers: [{ kw: 5, priceMwh: 30 }]\n`);
    expect(issues).to.have.length(1);
    expect(issues[0]).to.include({ path: 'agents[1].id', line: 8 });
    expect(issues[0]!.message).to.match(/^'market' is reserved for the market.*; expected another id$/);
  });

  it("'mdms', an id or prefix starting 'meter:', and an operator taking a reserved or an agent's id: each refused where it is", () => {
    const text = `${head}network:
  buses: [{ id: grid, reference: true }, { id: a }]
  branches: [{ id: head, kind: feeder-head, from: grid, to: a, reactancePu: 0.04, limitKw: 75 }]
operations:
  - { id: market, buses: [a] }
  - { id: plant, buses: [a] }
agents:
  - kind: generator
    id: plant
    bus: grid
    offers: [{ kw: 10, priceMwh: 20 }]
  - kind: generator
    id: mdms
    bus: grid
    offers: [{ kw: 5, priceMwh: 30 }]
  - kind: generator
    id: meter:plant
    bus: grid
    offers: [{ kw: 5, priceMwh: 30 }]
  - kind: home
    idPrefix: 'meter:h'
    bus: a
    count: 2
`;
    const issues = issuesOf(text);
    const at = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(Object.keys(at).sort()).to.deep.equal(['agents[1].id', 'agents[2].id', 'agents[3].idPrefix', 'operations[0].id', 'operations[1].id']);
    expect(at['agents[1].id']).to.contain("'mdms' is reserved for the meter data management system");
    expect(at['agents[2].id']).to.contain("ids starting 'meter:' are reserved for a site's meter");
    expect(at['agents[3].idPrefix']).to.contain("ids starting 'meter:' are reserved");
    expect(at['operations[0].id']).to.contain("'market' is reserved");
    expect(at['operations[1].id']).to.equal("'plant' is already agents[0]'s id; expected an id of its own");
  });
});

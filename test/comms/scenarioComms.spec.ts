import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { InputFileError } from '../../core/errors.ts';
import { parseScenario } from '../../engine/scenario/load.ts';

const head = 'name: x\nstart: 2026-07-01T00:00:00Z\nagents:\n  - { kind: home, count: 2 }\n';
const problems = (yaml: string): string[] => {
  try {
    parseScenario(yaml, 's.yaml');
  } catch (err) {
    if (err instanceof InputFileError) return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the scenario to be refused');
};

describe('comms: the scenario key', () => {
  it('defaults to ideal, so every existing scenario keeps running as before', () => {
    expect(parseScenario(head, 's.yaml').config.comms).to.equal('ideal');
    // (The plane's own examples, ami-congestion and cyber-replay, set it.)
    for (const f of readdirSync('scenarios').filter((f) => f.endsWith('.yaml') && f !== 'ami-congestion.yaml' && f !== 'cyber-replay.yaml')) {
      expect(parseScenario(readFileSync(`scenarios/${f}`, 'utf8'), f).config.comms, f).to.equal('ideal');
    }
  });

  it('accepts a plane', () => {
    const s = parseScenario(`${head}comms:\n  classes:\n    demand-response: { priority: 0 }\n  links:\n    - { id: backhaul, capacityBitPerS: 64000, referencePoints: [RP2, RP3] }\n`, 's.yaml');
    expect(s.config.comms).to.deep.include({ links: [{ id: 'backhaul', capacityBitPerS: 64000, referencePoints: ['RP2', 'RP3'] }] });
  });

  it('locates each bad value by line, column and path', () => {
    const yaml = `${head}comms:
  classes:
    ami: { lossProbability: 1.5 }
    scada: { priority: 0 }
    demand-response: { latency: { distribution: fixed, ms: -5 } }
  links:
    - { id: backhaul, capacityBitPerS: 0, referencePoints: [RP2, RP9] }
`;
    expect(problems(yaml)).to.deep.equal([
      '7:29 comms.classes.ami.lossProbability: expected a number ≤ 1, got 1.5',
      "8:5 comms.classes.scada: unknown key 'scada'; allowed here: wide-area-situational-awareness, distribution-grid-management, der-storage, demand-response, electric-transportation, ami",
      '9:60 comms.classes.demand-response.latency.ms: expected a number ≥ 0, got -5',
      '11:40 comms.links[0].capacityBitPerS: expected a number ≥ 1, got 0',
      "11:66 comms.links[0].referencePoints[1]: expected one of 'RP1', 'RP2', 'RP3', 'RP4', 'RP5', got 'RP9'",
    ]);
    expect(problems(`${head}comms: perfect\n`)).to.deep.equal(["5:8 comms: expected 'ideal' or a mapping, got 'perfect'"]);
  });
});

/**
 * A run folder's scenario.yaml (batch/runScenarioFile.ts): the run's scenario, rerunnable from the
 * folder — its seed set, its strategy modules named from the folder — with the base's comments.
 */
import { expect } from 'chai';
import { runFolderScenarioText } from '../../batch/runScenarioFile.ts';

const BASE = `# a base with a comment
name: x
seed: 7 # the base's seed
agents:
  - kind: generator
    id: g
    strategy: { module: ../strategies/s.mjs }
  - kind: generator
    id: h
    strategy: { module: /opt/s.mjs }
  - kind: home
    idPrefix: home
`;

describe("a run folder's scenario.yaml (batch/runScenarioFile.ts)", () => {
  it('by hand: the seed set to the run\'s, a relative module named from the run folder, an absolute one kept, the comments kept', () => {
    const text = runFolderScenarioText(BASE, '/work/sweeps/base.yaml', 9, '/work/results/sweep/x__seed-9');
    expect(text).to.match(/^seed: 9/m);
    expect(text).to.contain('# a base with a comment');
    // /work/sweeps/../strategies/s.mjs = /work/strategies/s.mjs, from /work/results/sweep/x__seed-9:
    expect(text).to.contain('module: ../../../strategies/s.mjs');
    expect(text).to.contain('module: /opt/s.mjs');
  });

  it('unchanged when the seed is the base\'s and no module moves; a text that does not parse is written as it is', () => {
    const plain = 'name: x\nseed: 7\nagents:\n  - kind: home\n';
    expect(runFolderScenarioText(plain, '/a/b.yaml', 7, '/a/out/run')).to.equal(plain);
    expect(runFolderScenarioText('name: [x', '/a/b.yaml', 7, '/a/out/run')).to.equal('name: [x');
    // A module beside the run folder still reads as a relative path.
    expect(runFolderScenarioText('seed: 1\nagents:\n  - kind: generator\n    strategy: { module: out/run/s.mjs }\n', '/a/b.yaml', 1, '/a/out/run')).to.contain('module: ./s.mjs');
  });
});

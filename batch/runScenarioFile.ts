/**
 * The `scenario.yaml` a run folder holds: the run's complete scenario, written so that
 * `gridbid run <run folder>/scenario.yaml` gives the run again, from wherever the folder sits:
 * its seed set to the run's (a replication's seed was only on the command line), and every
 * strategy module it names by a path from the run folder (the base scenario names them from its
 * own folder: "no such file: ../strategies/remembers.mjs", measured on a sweep's run folder).
 * Comments and layout stay as the base wrote them. A text that does not parse (a run whose
 * scenario is invalid, failed before any worker) is written as it is.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';

/** `text` (the run's scenario, read relative to `scenarioFile`) for a run of `seed` written into `runDir`. */
export function runFolderScenarioText(text: string, scenarioFile: string, seed: number, runDir: string): string {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  let changed = false;
  if (doc.get('seed') !== seed) {
    doc.set('seed', seed);
    changed = true;
  }
  const agents = doc.get('agents');
  if (isSeq(agents)) {
    const from = dirname(resolve(scenarioFile));
    agents.items.forEach((_, i) => {
      const module = doc.getIn(['agents', i, 'strategy', 'module']);
      if (typeof module !== 'string' || isAbsolute(module)) return;
      const there = relative(resolve(runDir), resolve(from, module)).split(sep).join('/');
      const path = there.startsWith('.') ? there : `./${there}`;
      if (path === module) return;
      doc.setIn(['agents', i, 'strategy', 'module'], path);
      changed = true;
    });
  }
  return changed ? doc.toString({ lineWidth: 0 }) : text;
}

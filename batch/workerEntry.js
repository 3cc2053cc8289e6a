// Entry of a batch worker thread that runs the TypeScript sources (when the bundled
// worker code cannot be used: batch/workerBundle.ts). Worker threads start without the
// TypeScript loader that bin/gridbid.js registered in the main thread: register tsx
// here, as it does, then hand piscina the task function from the TypeScript module.
import { register } from 'tsx/esm/api';

register();
const { runTask } = await import('./worker.ts');
export default (task) => runTask(task);

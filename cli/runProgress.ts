/**
 * Where a `gridbid run` is, on stderr: the pass, interval k/total, the agents, the
 * elapsed wall time and the ETA. On a terminal a bar (cli-progress); forced with
 * `--progress` elsewhere (CI logs, pipes), one line at most every second and always the
 * last: `run  96/96 intervals | 10,013 agents | elapsed 0:21 | ETA 0:00`.
 *
 * Wall time lives here, in the CLI layer only: the engine runs in virtual time and only
 * calls back after each interval (`RunOptions.onInterval`). The engine runs
 * synchronously, so nothing renders on a timer: every update renders (the bar at most
 * at its fps).
 *
 * The ETA is over the whole run: a run with operators first simulates without them
 * (the counterfactual), a perfect-foresight run first records its prices; each pass
 * costs about the same, so the work left is the intervals left in this pass and in the
 * passes still to come, at the average wall time per interval since the first update
 * (setting up the agents before the first interval is not a rate to extrapolate).
 */
import { Presets, SingleBar } from 'cli-progress';

export type Pass = 'counterfactual' | 'foresight' | 'run';

export interface RunProgress {
  readonly update: (done: number, total: number, pass: Pass) => void;
  readonly stop: () => void;
}

export interface RunProgressOptions {
  readonly agents: number;
  /** The passes the run makes, in order (always ending with 'run'). */
  readonly passes: readonly Pass[];
  /** true: always; false: never; undefined: on a terminal only. */
  readonly force?: boolean | undefined;
  /**
   * A scenario's warm-up (`warmUpDays`), in intervals: the first ones of every pass, counted in k/n like the others
   * (they cost as much), and named while they run, so that a bar at 300/360 does not read as 300 reported intervals.
   */
  readonly warmUpIntervals?: number | undefined;
  /** Wall clock, ms (injectable for tests of the text). */
  readonly now?: () => number;
}

const PASS_LABEL: Record<Pass, string> = { counterfactual: 'counterfactual', foresight: 'foresight pass', run: 'run' };

/** m:ss, or h:mm:ss from an hour. */
export function clockText(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Progress for one run, or undefined when it should stay quiet (not a terminal and not forced). */
export function runProgress(stream: NodeJS.WriteStream, options: RunProgressOptions): RunProgress | undefined {
  const show = options.force ?? stream.isTTY === true;
  if (!show) return undefined;
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const agents = options.agents.toLocaleString('en-US');
  const passes = options.passes;
  let first: { t: number; steps: number } | undefined;
  const status = (done: number, total: number, pass: Pass, t: number): { elapsed: string; eta: string; label: string } => {
    const p = Math.max(0, passes.indexOf(pass));
    const stepsDone = p * total + done;
    const stepsLeft = passes.length * total - stepsDone;
    first ??= { t, steps: stepsDone };
    const msPerStep = stepsDone > first.steps ? (t - first.t) / (stepsDone - first.steps) : (t - t0) / Math.max(1, stepsDone);
    const warming = done <= (options.warmUpIntervals ?? 0) ? ', warm-up' : '';
    const label = passes.length > 1 ? `${PASS_LABEL[pass]} (pass ${p + 1}/${passes.length}${warming})` : `${PASS_LABEL[pass]}${warming === '' ? '' : ' (warm-up)'}`;
    return { elapsed: clockText(t - t0), eta: clockText(msPerStep * stepsLeft), label };
  };
  if (stream.isTTY) {
    const bar = new SingleBar(
      { stream, format: ' {label} [{bar}] interval {value}/{total} | {agents} agents | elapsed {elapsed} | ETA {eta}', hideCursor: true, clearOnComplete: true, synchronousUpdate: true, fps: 10 },
      Presets.shades_classic,
    );
    let started: Pass | undefined;
    return {
      update(done, total, pass) {
        const s = status(done, total, pass, now());
        if (started !== pass) {
          if (started) bar.stop();
          bar.start(total, 0, { ...s, agents });
          started = pass;
        }
        bar.update(done, { ...s, agents });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLine = -Infinity;
  return {
    update(done, total, pass) {
      const t = now();
      if (done < total && t - lastLine < 1000) return;
      lastLine = t;
      const s = status(done, total, pass, t);
      stream.write(`${s.label}  ${done}/${total} intervals | ${agents} agents | elapsed ${s.elapsed} | ETA ${s.eta}\n`);
    },
    stop() {},
  };
}

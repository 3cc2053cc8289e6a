/**
 * A tabular action-value learner with ε-greedy choice, over (state, action) =
 * (hour-of-day bucket, markup level): the learning core of the `learning`
 * strategy. Plain numbers in typed arrays; randomness only from the `Rng` it is given.
 *
 *   choose:  with probability ε a uniformly random action, else argmax_a Q[s][a]
 *            (ties: the action listed first in `preference`, e.g. the smallest markup)
 *   update:  Q[s][a] ← Q[s][a] + max(α, 1/n) · (G − Q[s][a])   (n: visits of (s, a), this one included)
 *
 * G is the return the caller observed for the choice (the strategy computes it per day,
 * see `learning/index.ts`). The step max(α, 1/n) averages the first returns of an action
 * (no bias towards the zero it starts from) and then tracks with a constant step.
 */
import type { Rng } from '../../core/rng.ts';

export class QTable {
  private readonly q: Float64Array;
  /** Visits per (state, action). */
  private readonly n: Uint32Array;

  constructor(
    readonly states: number,
    readonly actions: number,
    /** Action indices in tie-break order (first wins). */
    private readonly preference: readonly number[] = Array.from({ length: actions }, (_, a) => a),
  ) {
    this.q = new Float64Array(states * actions);
    this.n = new Uint32Array(states * actions);
  }

  value(s: number, a: number): number {
    return this.q[s * this.actions + a]!;
  }

  visits(s: number, a: number): number {
    return this.n[s * this.actions + a]!;
  }

  best(s: number): number {
    let best = this.preference[0]!;
    for (const a of this.preference) if (this.value(s, a) > this.value(s, best)) best = a;
    return best;
  }

  /** ε-greedy: draws one uniform to decide, and one more only when it explores. */
  choose(s: number, epsilon: number, rng: Rng): number {
    return rng.next() < epsilon ? rng.int(0, this.actions - 1) : this.best(s);
  }

  update(s: number, a: number, target: number, alpha: number): void {
    const i = s * this.actions + a;
    const n = ++this.n[i]!;
    this.q[i]! += Math.max(alpha, 1 / n) * (target - this.q[i]!);
  }

  /** A copy of the table, rows = states. */
  snapshot(): number[][] {
    return Array.from({ length: this.states }, (_, s) => Array.from({ length: this.actions }, (_, a) => this.value(s, a)));
  }
}

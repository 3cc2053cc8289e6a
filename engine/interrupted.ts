// A run stopped between two intervals (SIGINT/SIGTERM in the CLI). Its own module, free of
// agent and XState types, so the published declarations of engine/run.ts stay small: a strict
// consumer (skipLibCheck off, exactOptionalPropertyTypes on) must not have to type-check xstate.

export type RunPass = 'counterfactual' | 'foresight' | 'run';

/** A run stopped on request (Ctrl-C) between two intervals: how far it got. */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
  constructor(
    readonly pass: RunPass,
    /** Real-time intervals completed in that pass. */
    readonly intervalsDone: number,
    readonly intervals: number,
    /** Why (the signal's name, e.g. 'SIGINT'). */
    readonly reason: unknown,
  ) {
    super(`interrupted (${String(reason)}) in the ${pass} pass after ${intervalsDone} of ${intervals} intervals`);
  }
}

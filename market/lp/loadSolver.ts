/**
 * The solvers by name. Its own module so that the solver interface (solver.ts), which
 * both implementations import, does not import them back.
 */
import type { LpSolver, SolverName } from './solver.ts';

/**
 * Loads a solver by name. HiGHS loads its WebAssembly once per process (≈ 150 ms);
 * later calls return the same instance.
 */
export async function loadSolver(name: SolverName = 'highs'): Promise<LpSolver> {
  if (name === 'jslp') return (await import('./jslp.ts')).jslpSolver;
  return (await import('./highs.ts')).loadHighsSolver();
}

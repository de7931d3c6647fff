/**
 * A scenario is a named async function of a target: it opens rigs through its context (the
 * runner stops them afterwards, pass or fail), draws every fault from its own seeded dice, and
 * stretches its waits by the target's patience. It says which targets it cannot run on rather
 * than branching on target names, so a new target needs no scenario changes.
 */
import type { Dice } from './seed.ts';
import type { Rig, RigOptions, Target } from './target.ts';

export interface ScenarioContext {
  readonly target: Target;
  /** This scenario's seed (the suite seed mixed with its name). */
  readonly seed: number;
  /** Every fault decision comes from here. */
  readonly dice: Dice;
  /** Opens a rig; the runner stops it after the scenario. */
  rig(options: Omit<RigOptions, 'seed'>): Promise<Rig>;
  /** A wait of `ms` on the simulator, stretched for slower targets. */
  ms(ms: number): number;
  /** A line printed with the failure, if the scenario fails. */
  note(line: string): void;
}

export interface Scenario {
  readonly name: string;
  /** Wall-clock budget on the simulator, times the target's patience elsewhere. */
  readonly budgetMs: number;
  /** Why `target` cannot run it, or undefined when it can. */
  readonly unsupported?: (target: Target) => string | undefined;
  run(ctx: ScenarioContext): Promise<void>;
}

/**
 * The targets the environment names. The simulators always (unless BURROW_HW_SIM=0, for a run
 * on boards alone), and each real-board target, which skips itself with what to set when its
 * board is not attached (board-target.ts).
 */
import type { Logger } from '../transport-node/log.ts';
import { bleBoardTarget, serialBoardTarget } from './board-target.ts';
import { simulatorTarget } from './sim-target.ts';
import type { Target } from './target.ts';

export const SIM_ENV = 'BURROW_HW_SIM';

export function selectTargets(env: NodeJS.ProcessEnv, log?: Logger): Target[] {
  const targets: Target[] = [];
  if (env[SIM_ENV] !== '0') targets.push(simulatorTarget(log));
  targets.push(serialBoardTarget(env, log), bleBoardTarget(env, log));
  return targets;
}

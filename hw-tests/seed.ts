/**
 * Seeds for every fault the suite injects. One suite seed (HW_SEED, or a fresh one printed at
 * the start), and from it one seed per scenario by name, so `HW_SEED=n npx mocha ... --grep
 * roam` replays that scenario's faults alone. Only the faults are seeded: device keys come
 * from real randomness, as on hardware. A replay makes the same fault decisions in the same
 * order (outage lengths, attack rates, what the hop does to its n-th frame); which frames
 * those fall on can still differ with timing, as the hop draws per frame as frames arrive.
 *
 * The stream is the project's one seeded RNG (simulators/xs/random.ts), wrapped with the few
 * draws a fault plan needs.
 */
import { randomInt } from 'node:crypto';
import type { RandomSource } from '../protocol/crypto/provider.ts';
import { seededRandom } from '../simulators/xs/random.ts';

export const SEED_ENV = 'HW_SEED';

/** The suite's seed: HW_SEED when set (decimal), otherwise a fresh one. */
export function suiteSeed(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[SEED_ENV];
  if (text === undefined || text === '') return randomInt(1, 2 ** 31);
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 0xffff_ffff) throw new Error(`${SEED_ENV} must be a decimal integer below 2^32, not '${text.slice(0, 20)}'`);
  return Number(text);
}

/** A scenario's seed: the suite seed mixed with its name (FNV-1a), stable across runs. */
export function scenarioSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Draws for fault plans. */
export class Dice {
  private readonly random: RandomSource;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  unit(): number {
    const b = this.random(4);
    return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 0x1_0000_0000;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.unit() < p;
  }

  /** An integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.unit() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Uint8Array {
    return this.random(n);
  }
}

/**
 * Reconnection delays: exponential with "equal jitter" (half fixed, half random), so a fleet
 * of gateways that lost the same cloud does not redial in lockstep, while each still waits at
 * least half the nominal delay. Randomness is injected (tests pass a seeded source).
 */
import { ConfigError } from '../protocol/errors.ts';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Uniform in [0, 1). Default Math.random: jitter is not a secret. */
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new ConfigError('CONFIG_INVALID', 'backoff needs 0 < initialMs <= maxMs');
    }
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call doubles the nominal delay up to maxMs. */
  next(): number {
    const nominal = Math.min(this.options.initialMs * 2 ** Math.min(this.attempt, 30), this.options.maxMs);
    this.attempt++;
    return Math.round(nominal / 2 + this.random() * (nominal / 2));
  }

  /** After a success: the next failure starts again from initialMs. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/**
 * A sensor for boards without one and for simulated devices: plausible, smooth values (an
 * indoor temperature with a daily swing, relative humidity moving against it, a battery that
 * slowly drains), with a little noise. Deterministic from its seed, so a simulated fleet
 * reproduces; the seed comes from the hardware RNG once at boot so two devices differ.
 */
import type { ReadingValue } from '../../protocol/app/messages.ts';
import type { SensorDriver } from './driver.ts';

const DAY_MS = 86_400_000;
/** Battery: 4.15 V full, losing ~1 mV an hour under this duty cycle. */
const BATTERY_FULL_V = 4.15;
const BATTERY_DRAIN_V_PER_MS = 0.001 / 3_600_000;
const BATTERY_EMPTY_V = 3.3;

const round2 = (x: number): number => Math.round(x * 100) / 100;

export class SimulatedSensor implements SensorDriver {
  readonly name = 'simulated';
  private state: number;
  private readonly phase: number;
  private readonly base: number;

  constructor(seed: number) {
    this.state = (seed >>> 0) || 1;
    this.phase = this.uniform() * DAY_MS;
    this.base = 19 + this.uniform() * 4;
  }

  read(uptimeMs: number): readonly ReadingValue[] {
    const day = Math.sin((2 * Math.PI * (uptimeMs + this.phase)) / DAY_MS);
    const temperature = this.base + 2.5 * day + (this.uniform() - 0.5) * 0.2;
    const humidity = Math.min(100, Math.max(0, 45 - 8 * day + (this.uniform() - 0.5)));
    const battery = Math.max(BATTERY_EMPTY_V, BATTERY_FULL_V - uptimeMs * BATTERY_DRAIN_V_PER_MS);
    return [
      { name: 'temperature_c', value: round2(temperature) },
      { name: 'humidity_pct', value: round2(humidity) },
      { name: 'battery_v', value: round2(battery) },
    ];
  }

  /** xorshift32 in [0, 1): statistics, not secrets. */
  private uniform(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }
}

/**
 * The device's two clocks.
 *
 * - Monotonic milliseconds from Moddable's `Time.ticks`, for every timeout and schedule. On an
 *   ESP32 `ticks` is a 32-bit millisecond count that wraps after 49.7 days; the wrap is
 *   unfolded here so that `now - then` stays right for the life of the device.
 * - Wall-clock seconds from `Date.now()`, which is only meaningful once something set the
 *   clock (SNTP, a host, `Time.set`). An ESP32 without that boots near 1970: any time before
 *   the firmware's build (or 2024, whichever is later) means "no clock", and callers get
 *   undefined rather than a wrong date. See README "A device without a clock".
 */
import Time from 'time';

// Protocol constants.
const TICKS_WRAP = 0x1_0000_0000;

// Our limits.
/** 2024-01-01T00:00:00Z: no Burrow device ran earlier, so an earlier clock is an unset one. */
export const CLOCK_VALID_AFTER = 1_704_067_200;

export interface DeviceClock {
  /** Monotonic milliseconds since boot. */
  monotonicMs(): number;
  /** Seconds since the epoch, or undefined when the clock is not set. */
  wallSeconds(): number | undefined;
}

export function moddableClock(buildTime: number): DeviceClock {
  let last = 0;
  let offset = 0;
  const floor = Math.max(buildTime, CLOCK_VALID_AFTER);
  return {
    monotonicMs() {
      const ticks = Time.ticks;
      if (ticks < last) offset += TICKS_WRAP;
      last = ticks;
      return ticks + offset;
    },
    wallSeconds() {
      const seconds = Math.floor(Date.now() / 1000);
      return seconds >= floor ? seconds : undefined;
    },
  };
}

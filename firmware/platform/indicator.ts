/**
 * The identify LED: `identify` blinks it so an operator can find one device among many. An
 * ECMA-419 `embedded:io/digital` output on the configured pin, toggled by its own repeating
 * timer (independent of the device loop: a blink pattern is not worth a deadline there). A
 * board without an LED gets a console line instead.
 */
import Digital from 'embedded:io/digital';
import Timer from 'timer';
import type { Log } from '../log.ts';

// Our limits.
/** Half a blink period (ms): visible across a room, over in a few seconds for 20 blinks. */
const HALF_PERIOD_MS = 150;

export interface Indicator {
  blink(times: number): void;
}

export function ledIndicator(pin: number | undefined, log: Log): Indicator {
  if (pin === undefined) return { blink: (times) => log(`identify: ${times} blinks (no LED configured)`) };
  const led = new Digital({ pin, mode: Digital.Output });
  led.write(0);
  let timer: Timer | undefined;
  return {
    blink(times) {
      Timer.clear(timer);
      let toggles = times * 2;
      let on = false;
      timer = Timer.repeat(() => {
        on = !on;
        led.write(on ? 1 : 0);
        if (--toggles <= 0) {
          Timer.clear(timer);
          timer = undefined;
        }
      }, HALF_PERIOD_MS);
    },
  };
}

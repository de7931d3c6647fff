/**
 * Shim of Moddable's `time` module. `ticks` is the simulated device clock; `set` sets the wall
 * clock the device's Date.now() reads (the simulator installs that Date.now, entry.ts).
 */
import { deviceTime, setWallClock } from './runtime.ts';

const Time = {
  set(seconds: number): void {
    setWallClock(seconds);
  },
  timezone: 0,
  dst: 0,
  get ticks(): number {
    return deviceTime();
  },
  delta(start: number, end?: number): number {
    return (end ?? deviceTime()) - start;
  },
  get microseconds(): number {
    return deviceTime() * 1000;
  },
};

export default Time;

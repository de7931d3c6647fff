/**
 * Shim of Moddable's `timer` module: timers on the simulated device clock (runtime.ts). A class
 * with static methods, as in Moddable, so `Timer` is both the API and the timers' type.
 */
import { addTimer, busyWait, removeTimer, reschedule, type SimTimer } from './runtime.ts';

export type TimerCallback = (timer: Timer) => void;

export default class Timer {
  private entry: SimTimer | undefined;

  private constructor() {}

  static set(callback: TimerCallback, interval = 0, repeat = 0): Timer {
    const timer = new Timer();
    timer.entry = addTimer(() => callback(timer), interval, repeat);
    return timer;
  }

  static repeat(callback: TimerCallback, interval: number): Timer {
    return Timer.set(callback, interval, interval);
  }

  /** Without an interval the timer is unscheduled but stays usable, as in Moddable. */
  static schedule(timer: Timer, interval?: number, repeat?: number): void {
    if (timer.entry) reschedule(timer.entry, interval, repeat);
  }

  static clear(timer: Timer | undefined | null): void {
    if (timer?.entry) removeTimer(timer.entry);
  }

  static delay(milliseconds: number): void {
    busyWait(milliseconds);
  }
}

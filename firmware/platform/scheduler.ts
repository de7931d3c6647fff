/**
 * The device loop's one timer: the device says when it next has work (the earliest deadline of
 * its links, channel, application and sampling) and this arms a single Moddable timer for that
 * moment. Nothing polls on a fixed tick, so an idle device wakes only for its own deadlines.
 *
 * wake() asks for a run as soon as the current callback returns (a zero-delay timer), used by
 * platform callbacks (a UART byte, a BLE write): running the loop from inside a callback could
 * re-enter a link in the middle of its own receive.
 */
import Timer from 'timer';

export class LoopTimer {
  private timer: Timer | undefined;
  private armedFor: number | undefined;

  /** `run(now)` does what is due and returns the next deadline (monotonic ms) or undefined. */
  constructor(private readonly clock: () => number, private readonly run: (now: number) => number | undefined) {}

  wake(): void {
    this.arm(this.clock());
  }

  /** Runs the loop now and arms the timer for its next deadline. */
  runNow(): void {
    const next = this.run(this.clock());
    if (next !== undefined) this.arm(next);
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined && this.armedFor !== undefined && this.armedFor <= deadline) return;
    Timer.clear(this.timer);
    this.armedFor = deadline;
    this.timer = Timer.set(() => {
      this.timer = undefined;
      this.armedFor = undefined;
      this.runNow();
    }, Math.max(0, deadline - this.clock()));
  }
}

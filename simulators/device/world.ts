/**
 * Time for simulated devices and everything around them (wires, gateway links, the cloud's
 * timers), in milliseconds, two ways:
 *
 * - VirtualWorld: discrete events. Nothing waits for a real clock; runUntil() executes events
 *   in time order (ties in scheduling order) and awaits each, so a test of minutes of device
 *   time (timeouts, backoffs, an idle minute) runs in the time its computation takes, and the
 *   same inputs give the same run.
 * - RealWorld: the same interface over setTimeout and a monotonic clock, for `burrow
 *   device-sim` talking to real gateways over ptys.
 *
 * Events are functions that may return a promise (a command to an engine); a failing event is
 * reported through `onError` and the world goes on, as a device's neighbours would.
 */

export type Task = () => void | Promise<void>;

export interface Cancel {
  cancel(): void;
}

export interface World {
  now(): number;
  at(time: number, task: Task): Cancel;
}

interface Event {
  readonly time: number;
  readonly order: number;
  readonly task: Task;
  cancelled: boolean;
}

export class VirtualWorld implements World {
  private clock = 0;
  private order = 0;
  private readonly events: Event[] = [];
  private readonly idle: (() => void)[] = [];

  constructor(private readonly onError: (e: unknown) => void = (e) => { throw e; }) {}

  now(): number {
    return this.clock;
  }

  at(time: number, task: Task): Cancel {
    const e: Event = { time: Math.max(time, this.clock), order: this.order++, task, cancelled: false };
    this.events.push(e);
    return { cancel: () => { e.cancelled = true; } };
  }

  /** Runs after every event (e.g. pumping an in-memory network the event fed). */
  afterEach(hook: () => void): void {
    this.idle.push(hook);
  }

  get pending(): number {
    return this.events.filter((e) => !e.cancelled).length;
  }

  /** Runs events until `done()` holds after one, or the clock would pass `until`. Returns done(). */
  async runUntil(done: () => boolean, until: number): Promise<boolean> {
    while (!done()) {
      const e = this.take(until);
      if (e === undefined) {
        this.clock = Math.max(this.clock, until);
        return done();
      }
      await this.run(e);
    }
    return true;
  }

  /** Runs every event up to `ms` from now. */
  async runFor(ms: number): Promise<void> {
    await this.runUntil(() => false, this.clock + ms);
  }

  private take(until: number): Event | undefined {
    let best = -1;
    for (let i = 0; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (e.cancelled || e.time > until) continue;
      const b = this.events[best];
      if (b === undefined || e.time < b.time || (e.time === b.time && e.order < b.order)) best = i;
    }
    if (best < 0) {
      for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]!.cancelled) this.events.splice(i, 1);
      return undefined;
    }
    return this.events.splice(best, 1)[0];
  }

  private async run(e: Event): Promise<void> {
    this.clock = Math.max(this.clock, e.time);
    try {
      await e.task();
    } catch (error) {
      this.onError(error);
    }
    for (const hook of this.idle) hook();
  }
}

export class RealWorld implements World {
  private readonly start = performance.now();

  constructor(private readonly onError: (e: unknown) => void) {}

  now(): number {
    return Math.floor(performance.now() - this.start);
  }

  at(time: number, task: Task): Cancel {
    const timer = setTimeout(() => {
      Promise.resolve().then(task).catch(this.onError);
    }, Math.max(0, time - this.now()));
    return { cancel: () => clearTimeout(timer) };
  }
}

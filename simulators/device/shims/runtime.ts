/**
 * The XS side of a simulated device: its clock, its timers and the hardware events the host
 * delivers, shared by the shims of the Moddable modules (timer.ts, time.ts, serial.ts, ...).
 *
 * Time is the host's: every command carries the device time (ms since boot), and advanceTo()
 * fires the timers due up to it in order, each seeing the clock at its own due time. Nothing
 * here reads a real clock, so a run is as reproducible as its inputs, and the host can stretch
 * time to model how long an ESP32 computes (simulators/device/sim-device.ts).
 *
 * An exception that escapes a firmware callback is caught and reported as a fault in the
 * command's answer, the way Moddable's release builds log it and carry on; the host decides
 * whether a fault fails a test.
 */
import { callHost } from '../../xs/host-call.ts';
import { DEVICE_SERVICE, type DeviceReport } from '../device-calls.ts';

// Our limits.
/** Timer callbacks one advance may run: a zero-interval repeating timer would spin for ever. */
const MAX_CALLBACKS_PER_ADVANCE = 100_000;

export interface SimTimer {
  readonly id: number;
  due: number;
  /** Repeat interval, 0 for one-shot. */
  repeat: number;
  callback: () => void;
  scheduled: boolean;
}

let now = 0;
/** Wall-clock ms at device time 0, or undefined while the device's clock is not set. */
let wallBase: number | undefined;
let nextId = 1;
const timers: SimTimer[] = [];
const faults: string[] = [];

export const deviceTime = (): number => now;

export function setWallClock(seconds: number | undefined): void {
  wallBase = seconds === undefined ? undefined : seconds * 1000 - now;
}

/** Date.now() on the device: uptime since 1970 until something sets the clock, as on an ESP32. */
export function wallNow(): number {
  return (wallBase ?? 0) + now;
}

export function addTimer(callback: () => void, delay: number, repeat: number): SimTimer {
  const timer: SimTimer = { id: nextId++, due: now + Math.max(0, delay), repeat: Math.max(0, repeat), callback, scheduled: true };
  timers.push(timer);
  return timer;
}

export function reschedule(timer: SimTimer, delay: number | undefined, repeat: number | undefined): void {
  removeTimer(timer);
  if (delay === undefined) return;
  timer.due = now + Math.max(0, delay);
  timer.repeat = Math.max(0, repeat ?? 0);
  timer.scheduled = true;
  timers.push(timer);
}

export function removeTimer(timer: SimTimer): void {
  timer.scheduled = false;
  const i = timers.indexOf(timer);
  if (i >= 0) timers.splice(i, 1);
}

/** Runs `work` as a firmware callback: an exception becomes a fault, not a dead simulator. */
export function guarded(what: string, work: () => void): void {
  try {
    work();
  } catch (e) {
    faults.push(`${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

function earliest(limit: number): SimTimer | undefined {
  let best: SimTimer | undefined;
  for (const t of timers) if (t.due <= limit && (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
  return best;
}

/** Moves the clock to `target`, firing every timer due on the way, in due order. */
export function advanceTo(target: number): void {
  let runs = 0;
  for (let t = earliest(target); t !== undefined; t = earliest(target)) {
    if (++runs > MAX_CALLBACKS_PER_ADVANCE) {
      faults.push(`more than ${MAX_CALLBACKS_PER_ADVANCE} timer callbacks in one advance`);
      break;
    }
    now = Math.max(now, t.due);
    if (t.repeat > 0) t.due = now + t.repeat;
    else removeTimer(t);
    guarded('timer', t.callback);
  }
  now = Math.max(now, target);
}

/** Moddable's Timer.delay: the device busy-waits, so its clock moves on. */
export function busyWait(ms: number): void {
  now += Math.max(0, ms);
}

/** What every command answers, clearing the faults it reports. */
export function report(): DeviceReport {
  let next: number | null = null;
  for (const t of timers) if (next === null || t.due < next) next = t.due;
  return { next, faults: faults.splice(0) };
}

/** A device call to the host (device-calls.ts). */
export function deviceCall(op: number, body: Uint8Array): Uint8Array {
  const request = new Uint8Array(1 + body.length);
  request[0] = op;
  request.set(body, 1);
  return callHost(DEVICE_SERVICE, request);
}

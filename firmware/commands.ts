/**
 * Downlink commands from the cloud (protocol/app/messages.ts COMMAND), applied on the device and
 * answered with a RESULT:
 *
 *   set-interval  {"ms": N}       reporting interval, 1 s to 1 day, kept across reboots
 *   identify      {"blinks": N}   blink the identify LED N times (1-20, default 3)
 *   status        {}              uptime, identifier, sequence, buffer, drops, interval, links
 *
 * Arguments are JSON text from the cloud: parsed defensively, every field type- and
 * range-checked; anything else gets ok=false with a reason, never an exception.
 *
 * The cloud may resend a command whose result it did not see (the result was lost on the way
 * back); the device remembers the results of its last few command ids and answers a repeat
 * with the same result instead of applying it twice.
 */
import { commandResult, type Command, type CommandResult } from '../protocol/app/messages.ts';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './config.ts';

// Our limits.
/** Command ids whose results are remembered, for resends. */
export const REMEMBERED_COMMANDS = 8;
export const MAX_BLINKS = 20;
const DEFAULT_BLINKS = 3;

/** What the commands act on; the device implements it. */
export interface DeviceControl {
  setIntervalMs(ms: number): void;
  identify(blinks: number): void;
  /** A small JSON-ready report (status detail). */
  status(): Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

type Args = Readonly<Record<string, unknown>>;

function parseArgs(text: string): Args | undefined {
  try {
    const v: unknown = JSON.parse(text === '' ? '{}' : text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Args) : undefined;
  } catch {
    return undefined;
  }
}

const failure = (reason: string): { ok: false; detail: string } => ({ ok: false, detail: JSON.stringify({ error: reason }) });

function apply(command: Command, control: DeviceControl): { ok: boolean; detail: string } {
  const args = parseArgs(command.args);
  if (args === undefined) return failure('args must be a JSON object');
  switch (command.name) {
    case 'set-interval': {
      const ms = args['ms'];
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
        return failure(`ms must be an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`);
      }
      control.setIntervalMs(ms);
      return { ok: true, detail: JSON.stringify({ intervalMs: ms }) };
    }
    case 'identify': {
      const blinks = args['blinks'] ?? DEFAULT_BLINKS;
      if (typeof blinks !== 'number' || !Number.isInteger(blinks) || blinks < 1 || blinks > MAX_BLINKS) {
        return failure(`blinks must be an integer from 1 to ${MAX_BLINKS}`);
      }
      control.identify(blinks);
      return { ok: true, detail: JSON.stringify({ blinks }) };
    }
    case 'status':
      return { ok: true, detail: JSON.stringify(control.status()) };
    default:
      return failure('unknown command');
  }
}

export class CommandHandler {
  /** Applied and repeated commands. */
  readonly counters = { applied: 0, repeated: 0, failed: 0 };
  private readonly recent: CommandResult[] = [];

  constructor(private readonly control: DeviceControl) {}

  handle(command: Command): CommandResult {
    const seen = this.recent.find((r) => r.id === command.id);
    if (seen !== undefined) {
      this.counters.repeated++;
      return seen;
    }
    const { ok, detail } = apply(command, this.control);
    if (ok) this.counters.applied++;
    else this.counters.failed++;
    const result = commandResult(command.id, ok, detail);
    this.recent.push(result);
    if (this.recent.length > REMEMBERED_COMMANDS) this.recent.shift();
    return result;
  }
}

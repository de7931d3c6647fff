/**
 * JSON commands into XS, the XS half: `serveCommands` installs globalThis.handleCommand, which
 * decodes `{op, ...}`, runs the handler for `op` and answers an envelope. The host half is
 * json-client.ts (kept apart so nothing Node-only reaches an XS bundle).
 *
 * JSON rather than a binary schema: test runs and measurements send a handful of small messages,
 * so readability wins (bytes travel as hex). Failures come back inside the envelope with their
 * name and code instead of as an uncaught XS exception, so the host can tell a failed case from
 * a broken engine, and the XS side stays usable after a failure. Text goes through xsnap's native
 * TextEncoder/TextDecoder: protocol/bytes.ts's portable UTF-8 codec builds strings a character
 * at a time, which XS makes quadratic on the tens of kilobytes of a vector file.
 */
import { BurrowError } from '../../protocol/errors.ts';
import { toArrayBuffer } from './xs-globals.ts';

export type JsonRequest = { readonly op: string } & Readonly<Record<string, unknown>>;
export type CommandHandler = (request: JsonRequest) => unknown;
export type CommandHandlers = Readonly<Record<string, CommandHandler>>;

export interface RemoteError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

export type CommandReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: RemoteError };

function describe(e: unknown): RemoteError {
  if (e instanceof BurrowError) return { name: e.name, code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'thrown', message: String(e) };
}

/** Handles one encoded request; exported so the same dispatch runs under Node in unit tests. */
export function dispatchCommand(handlers: CommandHandlers, request: Uint8Array): Uint8Array {
  let reply: CommandReply;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(request));
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { op?: unknown }).op !== 'string') {
      throw new TypeError('request must be a JSON object with a string "op"');
    }
    const op = (parsed as JsonRequest).op;
    const handler = Object.prototype.hasOwnProperty.call(handlers, op) ? handlers[op] : undefined;
    if (!handler) throw new TypeError(`unknown op "${op}"`);
    reply = { ok: true, value: handler(parsed as JsonRequest) ?? null };
  } catch (e) {
    reply = { ok: false, error: describe(e) };
  }
  return new TextEncoder().encode(JSON.stringify(reply));
}

/** Installs globalThis.handleCommand for these handlers (XS side). */
export function serveCommands(handlers: CommandHandlers): void {
  (globalThis as { handleCommand?: (request: ArrayBuffer) => ArrayBuffer }).handleCommand = (request) =>
    toArrayBuffer(dispatchCommand(handlers, new Uint8Array(request)));
}

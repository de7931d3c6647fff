/**
 * JSON commands into XS, the host half (the XS half is xs-commands.ts): sends `{op, ...}` to
 * globalThis.handleCommand and unwraps the envelope, turning a reported failure into a typed
 * error that carries the error as XS saw it.
 */
import type { CommandReply, JsonRequest, RemoteError } from './xs-commands.ts';
import { XsEngineError, type CallOptions, type XsMeter, type XsnapProcess } from './xsnap-process.ts';

/** A command that XS answered with a failure; `remote` is the error as XS reported it. */
export class XsCommandError extends XsEngineError {
  readonly remote: RemoteError;
  constructor(op: string, remote: RemoteError) {
    super('XS_ENGINE_EXCEPTION', `XS command ${op} failed: ${remote.name}${remote.code ? ` ${remote.code}` : ''}: ${remote.message}`);
    this.remote = remote;
  }
}

/** Sends one JSON command and returns its value with the crank's meter. */
export async function requestJson<T>(xs: XsnapProcess, request: JsonRequest, options: CallOptions = {}): Promise<{ value: T; meter: XsMeter }> {
  const { result, meter } = await xs.command(new TextEncoder().encode(JSON.stringify(request)), options);
  let reply: CommandReply;
  try {
    reply = JSON.parse(new TextDecoder().decode(result)) as CommandReply;
  } catch {
    throw new XsEngineError('XS_ENGINE_PROTOCOL', `XS answered ${request.op} with something other than a JSON envelope`);
  }
  if (reply.ok) return { value: reply.value as T, meter };
  throw new XsCommandError(request.op, reply.error);
}

/**
 * Calls from code running in XS to services on its host, over xsnap's synchronous
 * issueCommand: the XS side of simulator shims (randomness now; links, timers and NVS later).
 *
 * One byte names the service and one byte answers with a status, so a single issueCommand
 * channel carries every shim and a host failure arrives as a typed error inside XS rather than
 * as bytes that look like an answer. The host side is HostServices (host-services.ts).
 *
 *   request  = service (1 byte) || body
 *   response = status (1 byte: 0 ok, 1 failed) || body (the answer, or a UTF-8 reason)
 */
import { utf8Decode } from '../../protocol/bytes.ts';
import { BurrowError } from '../../protocol/errors.ts';
import { toArrayBuffer, xsHost } from './xs-globals.ts';

// Protocol constants (ours: the host-call framing above).
export const HOST_SERVICE = {
  /** body: u16 big-endian length; answer: that many bytes from the host's CSPRNG. */
  random: 1,
  /** body: bytes for a peer the host simulates; answer: the peer's reply (tests, measurements). */
  peer: 2,
} as const;
export type HostServiceId = (typeof HOST_SERVICE)[keyof typeof HOST_SERVICE];
export const STATUS_OK = 0;
export const STATUS_FAILED = 1;

/** A host service refused or failed a call made from XS. */
export class HostCallError extends BurrowError {}

/** Calls a host service synchronously; throws HostCallError when the host reports a failure. */
export function callHost(service: number, body: Uint8Array): Uint8Array {
  const request = new Uint8Array(1 + body.length);
  request[0] = service;
  request.set(body, 1);
  const response = new Uint8Array(xsHost().issueCommand(toArrayBuffer(request)));
  if (response.length === 0) throw new HostCallError('XS_HOST_CALL_FAILED', `host sent no status for service ${service}`);
  if (response[0] === STATUS_OK) return response.subarray(1);
  let reason = 'unreadable reason';
  try {
    reason = utf8Decode(response.subarray(1));
  } catch {
    // keep the placeholder: a garbled reason must not mask the failure itself
  }
  throw new HostCallError('XS_HOST_CALL_FAILED', `host service ${service} failed: ${reason}`);
}

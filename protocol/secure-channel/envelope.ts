/**
 * The secure channel's envelope: the first byte of every routed payload a channel sends, so one
 * worker address can tell handshake messages from transport messages without state.
 *
 *   envelope = kind (u8) || body
 *   kind 1: XX message 1 (-> e, payload = hello)         body = Noise message
 *   kind 2: XX message 2 (<- e, ee, s, es, identity)      body = Noise message
 *   kind 3: XX message 3 (-> s, se, identity)             body = Noise message
 *   kind 4: transport message                             body = channel wire (protocol/channel)
 */
import { DecodeError } from '../errors.ts';

export const EnvelopeKind = { MESSAGE1: 1, MESSAGE2: 2, MESSAGE3: 3, TRANSPORT: 4 } as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly body: Uint8Array;
}

export function encodeEnvelope(kind: EnvelopeKind, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length < 1) throw new DecodeError('DECODE_TRUNCATED', 'empty channel envelope');
  const kind = bytes[0]!;
  if (kind < EnvelopeKind.MESSAGE1 || kind > EnvelopeKind.TRANSPORT) throw new DecodeError('DECODE_BAD_VALUE', `channel envelope kind ${kind}`);
  return { kind: kind as EnvelopeKind, body: bytes.subarray(1) };
}

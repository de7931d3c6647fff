/**
 * Handshake payloads: what each side says about itself inside Noise encryption (XX message 2
 * for the responder, message 3 for the initiator), so identities stay hidden from observers.
 *
 *   payload    = version (u8 = 1) || form (u8) || body || extensions
 *   FULL  (1)  body = history || attestation                 single key: 1+36+72 = 109 bytes
 *   REF   (2)  body = identifier (20): "you verified me before; my static key is the same"
 *   extensions = count (u8, 0..4) || (type (u8) || length (u8) || value)*
 *
 * A single-key FULL payload is 112 bytes and a REF payload 23 bytes, so a first-contact XX
 * handshake is 192 + 1 + 2 x 112 = 417 bytes and a known-peer one 192 + 1 + 2 x 23 = 239.
 */
import { DecodeError } from '../errors.ts';
import { ByteReader, ByteWriter, expectValue } from '../wire.ts';
import { readAttestation, writeAttestation, type Attestation } from './attestation.ts';
import { encodeHistory, readHistory, type History } from './history.ts';
import { IDENTIFIER_BYTES } from './identifier.ts';

export const PAYLOAD_VERSION = 1;
export const PayloadForm = { FULL: 1, REFERENCE: 2 } as const;

/** Extension types. */
export const Extension = { ENROLLMENT_TICKET: 1 } as const;

// Our limits.
/** Extensions per payload, and bytes per extension value (a ticket is 16-32 bytes). */
export const MAX_EXTENSIONS = 4;
export const MAX_EXTENSION_BYTES = 64;

export interface PayloadExtension {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * An extension whose value stays out of JSON, `String()` and Node's inspect (an enrollment
 * ticket is a secret): the value is a non-enumerable property. Decoded extensions are built
 * this way; senders should use it too.
 */
export function payloadExtension(type: number, value: Uint8Array): PayloadExtension {
  const hidden = (v: unknown): PropertyDescriptor => ({ value: v, enumerable: false, writable: false });
  return Object.defineProperties({ type }, {
    value: hidden(value),
    toJSON: hidden(() => ({ type, length: value.length })),
    toString: hidden(() => `PayloadExtension(type ${type}, ${value.length} bytes)`),
  }) as { type: number; value: Uint8Array };
}

export type IdentityPayload =
  | { readonly form: 'full'; readonly history: History; readonly attestation: Attestation; readonly extensions: readonly PayloadExtension[] }
  | { readonly form: 'reference'; readonly identifier: Uint8Array; readonly extensions: readonly PayloadExtension[] };

export function encodePayload(p: IdentityPayload): Uint8Array {
  const w = new ByteWriter().u8(PAYLOAD_VERSION);
  if (p.form === 'full') {
    w.u8(PayloadForm.FULL).bytes(encodeHistory(p.history));
    writeAttestation(w, p.attestation);
  } else {
    w.u8(PayloadForm.REFERENCE).bytes(p.identifier);
  }
  if (p.extensions.length > MAX_EXTENSIONS) throw new DecodeError('DECODE_OVERSIZE', 'too many payload extensions');
  w.u8(p.extensions.length);
  for (const e of p.extensions) {
    if (e.value.length > MAX_EXTENSION_BYTES) throw new DecodeError('DECODE_OVERSIZE', 'payload extension too large');
    w.u8(e.type).u8(e.value.length).bytes(e.value);
  }
  return w.finish();
}

export function decodePayload(bytes: Uint8Array): IdentityPayload {
  const r = new ByteReader(bytes, 'identity payload');
  const version = r.u8();
  if (version !== PAYLOAD_VERSION) throw new DecodeError('DECODE_BAD_VERSION', `identity payload version ${version}`);
  const form = r.u8();
  let head: { form: 'full'; history: History; attestation: Attestation } | { form: 'reference'; identifier: Uint8Array };
  if (form === PayloadForm.FULL) head = { form: 'full', history: readHistory(r), attestation: readAttestation(r) };
  else if (form === PayloadForm.REFERENCE) head = { form: 'reference', identifier: r.bytesOf(IDENTIFIER_BYTES) };
  else throw new DecodeError('DECODE_BAD_VALUE', `identity payload form ${form}`);
  const count = r.u8();
  expectValue(count <= MAX_EXTENSIONS, 'too many payload extensions');
  const extensions: PayloadExtension[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8();
    const length = r.u8();
    expectValue(length <= MAX_EXTENSION_BYTES, 'payload extension too large');
    extensions.push(payloadExtension(type, r.bytesOf(length)));
  }
  r.end();
  return { ...head, extensions };
}

/**
 * The community Noise test-vector format (cacophony, snow), parsed and validated without Node
 * so the same code feeds the suite on XS. Only what Burrow runs is kept: XX over 25519, no PSK.
 */
import { fromHex } from '../../protocol/bytes.ts';

export interface NoiseVector {
  readonly protocolName: string;
  readonly initPrologue: Uint8Array;
  readonly initStatic: Uint8Array;
  readonly initEphemeral: Uint8Array;
  readonly respPrologue: Uint8Array;
  readonly respStatic: Uint8Array;
  readonly respEphemeral: Uint8Array;
  readonly handshakeHash: Uint8Array | undefined;
  readonly messages: readonly { readonly payload: Uint8Array; readonly ciphertext: Uint8Array }[];
  /** A vector marked "fail": true is expected not to complete. */
  readonly expectFailure: boolean;
}

export const XX_25519 = /^Noise_XX_25519_[A-Za-z0-9]+_[A-Za-z0-9]+$/;

/** True for vectors Burrow must run: XX over 25519 with no PSK (a psk modifier renames XX). */
export function isXX25519(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  if (typeof r['protocol_name'] !== 'string' || !XX_25519.test(r['protocol_name'])) return false;
  const psks = [r['init_psks'], r['resp_psks']];
  return psks.every((p) => p === undefined || (Array.isArray(p) && p.length === 0));
}

/** All entries of a vector file: `{ vectors: [...] }` or a bare array. */
export function vectorEntries(file: unknown): unknown[] {
  if (Array.isArray(file)) return file;
  if (typeof file === 'object' && file !== null && Array.isArray((file as { vectors?: unknown }).vectors)) {
    return (file as { vectors: unknown[] }).vectors;
  }
  throw new TypeError('vector file must be an array or an object with a "vectors" array');
}

function hexField(r: Record<string, unknown>, field: string, length?: number): Uint8Array {
  const v = r[field];
  if (typeof v !== 'string') throw new TypeError(`${field} must be a hex string`);
  const bytes = fromHex(v);
  if (length !== undefined && bytes.length !== length) throw new TypeError(`${field} must be ${length} bytes`);
  return bytes;
}

/** Validates one raw XX_25519 vector; throws TypeError/DecodeError naming the bad field. */
export function parseNoiseVector(raw: unknown): NoiseVector {
  const r = raw as Record<string, unknown>;
  const messages = r['messages'];
  if (!Array.isArray(messages)) throw new TypeError('messages must be an array');
  return {
    protocolName: String(r['protocol_name']),
    initPrologue: hexField(r, 'init_prologue'),
    initStatic: hexField(r, 'init_static', 32),
    initEphemeral: hexField(r, 'init_ephemeral', 32),
    respPrologue: hexField(r, 'resp_prologue'),
    respStatic: hexField(r, 'resp_static', 32),
    respEphemeral: hexField(r, 'resp_ephemeral', 32),
    handshakeHash: r['handshake_hash'] === undefined ? undefined : hexField(r, 'handshake_hash'),
    messages: messages.map((m: unknown, i) => {
      if (typeof m !== 'object' || m === null) throw new TypeError(`messages[${i}] must be an object`);
      const mr = m as Record<string, unknown>;
      return { payload: hexField(mr, 'payload'), ciphertext: hexField(mr, 'ciphertext') };
    }),
    expectFailure: r['fail'] === true,
  };
}

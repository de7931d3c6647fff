/**
 * The community Noise test-vector format (cacophony, snow): selected and validated without
 * Node, so the same code feeds mocha, the XS engine and `burrow conformance`. Only what Burrow
 * runs is kept: the XX pattern over 25519, no PSK. Every field is checked (type, hex, length)
 * and a bad one is a TypeError or DecodeError naming it, because the conformance command runs
 * files nobody here has seen and must count an odd vector as a failure, never crash on it.
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

// Protocol constants (Noise rev 34 §7.5, §12.1).
/** Any XX_25519 name, whatever cipher and hash it names (supported or not). */
export const XX_25519 = /^Noise_XX_25519_[^_\s]+_[^_\s]+$/;
/** The XX_25519 suites Burrow runs: the official files hold eight each. */
export const SUPPORTED_XX_25519 = /^Noise_XX_25519_(ChaChaPoly|AESGCM)_(SHA256|SHA512|BLAKE2s|BLAKE2b)$/;
const KEY_BYTES = 32;
/** XX has three handshake messages; transport messages follow. */
export const HANDSHAKE_MESSAGES = 3;

function field(raw: unknown, name: string): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[name] : undefined;
}

function hasNoPsks(raw: unknown): boolean {
  return [field(raw, 'init_psks'), field(raw, 'resp_psks')].every((p) => p === undefined || p === null || (Array.isArray(p) && p.length === 0));
}

/** True for vectors the conformance command considers: XX over 25519, no PSK. */
export function isXX25519(raw: unknown): boolean {
  const name = field(raw, 'protocol_name');
  return typeof name === 'string' && XX_25519.test(name) && hasNoPsks(raw);
}

/** True for the XX_25519 vectors whose cipher and hash Burrow supports. */
export function isSupportedXX25519(raw: unknown): boolean {
  return isXX25519(raw) && SUPPORTED_XX_25519.test(field(raw, 'protocol_name') as string);
}

/** All entries of a vector file: `{ "vectors": [...] }` or a bare array. */
export function vectorEntries(file: unknown): unknown[] {
  if (Array.isArray(file)) return file;
  const vectors = field(file, 'vectors');
  if (Array.isArray(vectors)) return vectors;
  throw new TypeError('vector file must be an array or an object with a "vectors" array');
}

function hexField(raw: unknown, name: string, length?: number, label = name): Uint8Array {
  const v = field(raw, name);
  if (typeof v !== 'string') throw new TypeError(`${label} must be a hex string`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(v);
  } catch {
    throw new TypeError(`${label} is not valid hex`);
  }
  if (length !== undefined && bytes.length !== length) throw new TypeError(`${label} must be ${length} bytes, not ${bytes.length}`);
  return bytes;
}

/** Validates one raw XX_25519 vector; throws a TypeError naming the first bad field. */
export function parseNoiseVector(raw: unknown): NoiseVector {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('vector must be an object');
  const protocolName = field(raw, 'protocol_name');
  if (typeof protocolName !== 'string') throw new TypeError('protocol_name must be a string');
  const messages = field(raw, 'messages');
  if (!Array.isArray(messages)) throw new TypeError('messages must be an array');
  if (messages.length < HANDSHAKE_MESSAGES) throw new TypeError(`messages must hold at least the ${HANDSHAKE_MESSAGES} handshake messages`);
  const fail = field(raw, 'fail');
  if (fail !== undefined && typeof fail !== 'boolean') throw new TypeError('fail must be true or false');
  const handshakeHash = field(raw, 'handshake_hash');
  return {
    protocolName,
    initPrologue: hexField(raw, 'init_prologue'),
    initStatic: hexField(raw, 'init_static', KEY_BYTES),
    initEphemeral: hexField(raw, 'init_ephemeral', KEY_BYTES),
    respPrologue: hexField(raw, 'resp_prologue'),
    respStatic: hexField(raw, 'resp_static', KEY_BYTES),
    respEphemeral: hexField(raw, 'resp_ephemeral', KEY_BYTES),
    handshakeHash: handshakeHash === undefined || handshakeHash === null ? undefined : hexField(raw, 'handshake_hash'),
    messages: messages.map((m: unknown, i) => {
      if (typeof m !== 'object' || m === null) throw new TypeError(`messages[${i}] must be an object`);
      return {
        payload: hexField(m, 'payload', undefined, `messages[${i}].payload`),
        ciphertext: hexField(m, 'ciphertext', undefined, `messages[${i}].ciphertext`),
      };
    }),
    expectFailure: fail === true,
  };
}

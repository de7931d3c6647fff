/**
 * Finds the official Noise vectors at ../shared/noise-vectors beside the repository (read from
 * there, never copied in) and returns the supported XX_25519, non-PSK vectors of each file;
 * also the X25519 low-order public keys that the handshake and provider tests feed in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../protocol/bytes.ts';
import { isSupportedXX25519, parseNoiseVector, vectorEntries, type NoiseVector } from '../portable/noise-vector.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTOR_DIR = resolve(REPO_ROOT, '..', 'shared', 'noise-vectors');

/** The files and how many supported Noise_XX_25519 non-PSK vectors each holds. */
export const VECTOR_FILES = { 'cacophony.json': 8, 'snow.json': 8 } as const;
export type VectorFile = keyof typeof VECTOR_FILES;

export function vectorsAvailable(): boolean {
  return Object.keys(VECTOR_FILES).every((f) => existsSync(join(VECTOR_DIR, f)));
}

/** The raw JSON entries that pass the filter (the XS runner parses them on the engine). */
export function rawXXVectors(file: VectorFile): unknown[] {
  return vectorEntries(JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8'))).filter(isSupportedXX25519);
}

export function loadXXVectors(file: VectorFile): NoiseVector[] {
  return rawXXVectors(file).map(parseNoiseVector);
}

/**
 * X25519 public keys whose DH output is all zeros for every private key (RFC 7748 §6.1, Noise
 * §12.1): u = 0, 1, the two points of order 8, p - 1, p, p + 1, and u = 0 with bit 255 set
 * (X25519 ignores that bit).
 */
export const LOW_ORDER_POINTS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000080',
].map(fromHex);

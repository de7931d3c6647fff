/**
 * Non-volatile storage as the device logic sees it: a few byte values under short names
 * (identity, sequence reservation, reporting interval). platform/preference-store.ts puts it
 * on Moddable's `preference` (ESP32 NVS); tests use a Map.
 *
 * Moddable `preference` rules, so code written against this interface cannot pass on Node and
 * fail on the device: names at most 15 characters, values at most 4000 bytes, and integers
 * only 32-bit signed, so u32 values travel as 4 bytes.
 */
import { ConfigError } from '../protocol/errors.ts';

// Protocol constants (Moddable `preference`, ESP-IDF NVS).
export const MAX_PREFERENCE_NAME = 15;
export const MAX_PREFERENCE_BYTES = 4000;

export interface KeyValueStore {
  getBytes(key: string): Uint8Array | undefined;
  setBytes(key: string, value: Uint8Array): void;
  delete(key: string): void;
}

/** Names the device stores under (each at most 15 characters). */
export const StoreKey = {
  identity: 'identity',
  /** The unreadable identity a re-provisioning replaced, kept for diagnosis. */
  badIdentity: 'identityBad',
  seqReserved: 'seqReserved',
  intervalMs: 'intervalMs',
} as const;

export function checkPreferenceName(name: string): void {
  if (name.length === 0 || name.length > MAX_PREFERENCE_NAME) {
    throw new ConfigError('CONFIG_INVALID', `preference name '${name.slice(0, 20)}' must be 1-${MAX_PREFERENCE_NAME} characters`);
  }
}

export function checkPreferenceValue(key: string, value: Uint8Array): void {
  if (value.length > MAX_PREFERENCE_BYTES) throw new ConfigError('CONFIG_INVALID', `preference '${key}' of ${value.length} bytes exceeds ${MAX_PREFERENCE_BYTES}`);
}

/** A u32 stored as 4 big-endian bytes; undefined when absent or not 4 bytes. */
export function readU32(store: KeyValueStore, key: string): number | undefined {
  const b = store.getBytes(key);
  if (b === undefined || b.length !== 4) return undefined;
  return ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
}

export function writeU32(store: KeyValueStore, key: string, value: number): void {
  store.setBytes(key, Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff));
}

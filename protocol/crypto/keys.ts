/**
 * A key pair that keeps its private half out of logs: not enumerable, not in JSON, not in
 * `String()` or Node's `util.inspect`. (No `#private` field: Moddable issue #1138 breaks them
 * in preloaded classes, and protocol/ is preloaded on the device.)
 */
import { toHex } from '../bytes.ts';
import type { KeyPair } from './provider.ts';

// Node's inspect hook is a registered symbol, so naming it needs no Node import.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class SecretKeyPair implements KeyPair {
  readonly publicKey: Uint8Array;
  declare readonly privateKey: Uint8Array;

  constructor(publicKey: Uint8Array, privateKey: Uint8Array) {
    this.publicKey = publicKey;
    Object.defineProperty(this, 'privateKey', { value: privateKey, enumerable: false, writable: false });
  }

  toString(): string {
    return `KeyPair(public ${toHex(this.publicKey.subarray(0, 8))}…, private hidden)`;
  }

  toJSON(): { publicKey: string } {
    return { publicKey: toHex(this.publicKey) };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

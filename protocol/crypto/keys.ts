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
  /** The private bytes, or a function that produces them on first read (see the constructor). */
  declare private secret: Uint8Array | (() => Uint8Array);

  /**
   * `privateKey` may be a function that produces the bytes on first read: a backend whose keys
   * live in native handles (node:crypto) then pays for the raw bytes only when a key is stored,
   * never for the ephemeral keys of every handshake. The bytes it returns are kept.
   */
  constructor(publicKey: Uint8Array, privateKey: Uint8Array | (() => Uint8Array)) {
    this.publicKey = publicKey;
    Object.defineProperty(this, 'secret', { value: privateKey, enumerable: false, writable: true });
  }

  /** Raw private key bytes: only for persistence (NVS, a 0600 file). Never log them. */
  get privateKey(): Uint8Array {
    if (typeof this.secret === 'function') this.secret = this.secret();
    return this.secret;
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

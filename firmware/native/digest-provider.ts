/**
 * The `burrow-native-crypto` module for builds that want native SHA-256: Moddable's `crypt`
 * Digest (C, in the SDK) under the core's HashFunctions, with HMAC (RFC 2104) composed here.
 * The firmware finds it through Modules.has (crypto.ts) and lays it over the noble provider;
 * X25519, Ed25519 and ChaChaPoly stay noble (the SDK has no native Poly1305, X25519 or
 * Ed25519). Hashing is about a fifth of a handshake's meter units on XS (bench: firmware.*),
 * and this removes it with no C code of our own. A board with a native curve module would add
 * `dh` and `signature` here.
 */
import { Digest } from 'crypt';
import type { HashFunctions } from '../../protocol/crypto/provider.ts';
import type { NativeCryptoParts } from '../crypto.ts';

// Protocol constants (FIPS 180-4, RFC 2104).
const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

function digest(...parts: Uint8Array[]): Uint8Array {
  const d = new Digest('SHA256');
  for (const p of parts) d.write(p);
  return new Uint8Array(d.close());
}

function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > BLOCK ? digest(key) : key;
  const inner = new Uint8Array(BLOCK).fill(IPAD);
  const outer = new Uint8Array(BLOCK).fill(OPAD);
  for (let i = 0; i < k.length; i++) {
    inner[i] = inner[i]! ^ k[i]!;
    outer[i] = outer[i]! ^ k[i]!;
  }
  return digest(outer, digest(inner, data));
}

export const nativeSha256: HashFunctions = { name: 'SHA256', hashLen: 32, blockLen: 64, hash: (data) => digest(data), hmac };

export function nativeCryptoParts(): NativeCryptoParts {
  return { name: 'moddable-crypt', hashes: [nativeSha256] };
}

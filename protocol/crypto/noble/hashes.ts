/** Noise hash functions (§12.5-§12.8) over @noble/hashes. */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { blake2b, blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CHash } from '@noble/hashes/utils.js';
import type { HashFunctions, HashName } from '../provider.ts';

// noble's hasher type, with any options type: HMAC and Noise never pass options.
type NobleHash = CHash<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- noble's own generic default

function nobleHash(name: HashName, h: NobleHash, hashLen: 32 | 64, blockLen: 64 | 128): HashFunctions {
  return {
    name,
    hashLen,
    blockLen,
    hash: (data) => h(data),
    hmac: (key, data) => hmac(h, key, data),
  };
}

export const sha256Hash: HashFunctions = /* @__PURE__ */ nobleHash('SHA256', sha256, 32, 64);
export const sha512Hash: HashFunctions = /* @__PURE__ */ nobleHash('SHA512', sha512, 64, 128);
export const blake2sHash: HashFunctions = /* @__PURE__ */ nobleHash('BLAKE2s', blake2s, 32, 64);
export const blake2bHash: HashFunctions = /* @__PURE__ */ nobleHash('BLAKE2b', blake2b, 64, 128);

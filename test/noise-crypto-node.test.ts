/**
 * The node:crypto provider against the noble one, primitive by primitive, on random inputs:
 * the vectors prove whole handshakes, these pin each function (nonce encodings at large n,
 * block-boundary lengths, REKEY, Ed25519) and the backend's own rules: low-order keys, typed
 * errors, its KeyObject caches, and outputs that are not views into Buffer's shared pool.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { toHex } from '../protocol/bytes.ts';
import { SecretKeyPair } from '../protocol/crypto/keys.ts';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import type { CipherName, HashName } from '../protocol/crypto/provider.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { errorCodeOf } from './support/decoder-harness.ts';
import { LOW_ORDER_POINTS } from './support/noise-vectors.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const node = nodeCryptoProvider(random);
const noble = nobleProvider(random);
const LENGTHS = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000];
const NONCES = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER - 1];

describe('node:crypto provider', () => {
  for (const name of ['ChaChaPoly', 'AESGCM'] as CipherName[]) {
    it(`${name}: ENCRYPT, DECRYPT and REKEY equal noble's`, () => {
      const a = node.cipher(name);
      const b = noble.cipher(name);
      for (const n of NONCES) {
        for (const length of LENGTHS) {
          const k = random(32);
          const ad = random(length % 40);
          const plaintext = random(length);
          const sealed = a.encrypt(k, n, ad, plaintext);
          assert.deepEqual(sealed, b.encrypt(k, n, ad, plaintext), `n=${n} length=${length}`);
          assert.deepEqual(a.decrypt(k, n, ad, sealed), plaintext);
          assert.equal(sealed.buffer.byteLength, sealed.length, 'ciphertext must own its buffer (no pool view)');
        }
      }
      const k = random(32);
      assert.deepEqual(a.rekey(k), b.rekey(k));
      assert.equal(a.rekey(k).buffer.byteLength, 32);
    });

    it(`${name}: a bad tag, a short ciphertext, the wrong AD or nonce is CRYPTO_DECRYPT_FAILED; a bad key or nonce is typed`, () => {
      const c = node.cipher(name);
      const k = random(32);
      const sealed = c.encrypt(k, 5, Uint8Array.of(1), Uint8Array.of(1, 2, 3));
      const flipped = sealed.slice();
      flipped[flipped.length - 1]! ^= 0x80;
      assert.equal(errorCodeOf(() => c.decrypt(k, 5, Uint8Array.of(1), flipped)), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(errorCodeOf(() => c.decrypt(k, 5, Uint8Array.of(1), sealed.subarray(0, 15))), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(errorCodeOf(() => c.decrypt(k, 5, Uint8Array.of(2), sealed)), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(errorCodeOf(() => c.decrypt(k, 6, Uint8Array.of(1), sealed)), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(errorCodeOf(() => c.encrypt(random(16), 0, Uint8Array.of(), Uint8Array.of())), 'CRYPTO_BAD_KEY');
      assert.equal(errorCodeOf(() => c.decrypt(random(31), 0, Uint8Array.of(), sealed)), 'CRYPTO_BAD_KEY');
      assert.equal(errorCodeOf(() => c.encrypt(k, -1, Uint8Array.of(), Uint8Array.of())), 'CRYPTO_NONCE_EXHAUSTED');
    });
  }

  for (const name of ['SHA256', 'SHA512', 'BLAKE2s', 'BLAKE2b'] as HashName[]) {
    it(`${name}: HASH and HMAC-HASH equal noble's, lengths around the block size`, () => {
      const a = node.hash(name);
      const b = noble.hash(name);
      assert.equal(a.hashLen, b.hashLen);
      assert.equal(a.blockLen, b.blockLen);
      for (const length of LENGTHS) {
        const data = random(length);
        const key = random(length % 3 === 0 ? a.hashLen : length);
        assert.deepEqual(a.hash(data), b.hash(data), `hash of ${length}`);
        assert.deepEqual(a.hmac(key, data), b.hmac(key, data), `hmac of ${length}`);
      }
    });
  }

  it('names outside the provider are CRYPTO_UNSUPPORTED, including Object.prototype members', () => {
    for (const bad of ['BLAKE3', 'toString', 'constructor', '__proto__']) {
      assert.equal(errorCodeOf(() => node.hash(bad as HashName)), 'CRYPTO_UNSUPPORTED');
      assert.equal(errorCodeOf(() => node.cipher(bad as CipherName)), 'CRYPTO_UNSUPPORTED');
    }
  });

  it('X25519: generated keys are SecretKeyPairs whose public half is the private half times the base point', () => {
    for (let i = 0; i < 20; i++) {
      const kp = node.dh.generateKeyPair();
      assert.ok(kp instanceof SecretKeyPair);
      assert.deepEqual(kp.publicKey, noble.dh.keyPairFromPrivate(kp.privateKey).publicKey);
      for (const text of [String(kp), JSON.stringify(kp), inspect(kp)]) assert.ok(!text.includes(toHex(kp.privateKey)));
    }
  });

  it('X25519: DH equals noble, both ways, for generated and rebuilt keys', () => {
    for (let i = 0; i < 20; i++) {
      const a = node.dh.generateKeyPair();
      const b = noble.dh.generateKeyPair();
      const shared = node.dh.dh(a, b.publicKey);
      assert.deepEqual(shared, noble.dh.dh(b, a.publicKey));
      assert.deepEqual(node.dh.dh(node.dh.keyPairFromPrivate(b.privateKey), a.publicKey), shared);
    }
  });

  it('X25519: refuses every low-order public key and bad lengths with CRYPTO_BAD_KEY (as noble does)', () => {
    for (const provider of [node, noble]) {
      const kp = provider.dh.generateKeyPair();
      for (const point of LOW_ORDER_POINTS) assert.equal(errorCodeOf(() => provider.dh.dh(kp, point)), 'CRYPTO_BAD_KEY');
      assert.equal(errorCodeOf(() => provider.dh.dh(kp, new Uint8Array(31))), 'CRYPTO_BAD_KEY');
      assert.equal(errorCodeOf(() => provider.dh.keyPairFromPrivate(new Uint8Array(33))), 'CRYPTO_BAD_KEY');
    }
    assert.equal(errorCodeOf(() => node.dh.dh(new SecretKeyPair(new Uint8Array(32), new Uint8Array(5)), random(32))), 'CRYPTO_BAD_KEY');
  });

  it('X25519: a public-key array rewritten in place is re-imported, never served stale from the cache', () => {
    const a = node.dh.generateKeyPair();
    const peer = noble.dh.generateKeyPair();
    const other = noble.dh.generateKeyPair();
    const bytes = peer.publicKey.slice();
    assert.deepEqual(node.dh.dh(a, bytes), noble.dh.dh(peer, a.publicKey));
    bytes.set(other.publicKey);
    assert.deepEqual(node.dh.dh(a, bytes), noble.dh.dh(other, a.publicKey));
  });

  it('Ed25519: signatures equal noble (deterministic, RFC 8032) and verify across backends', () => {
    for (let i = 0; i < 10; i++) {
      const kp = node.signature.generateKeyPair();
      assert.ok(kp instanceof SecretKeyPair);
      const same = noble.signature.keyPairFromPrivate(kp.privateKey);
      assert.deepEqual(same.publicKey, kp.publicKey);
      const message = random(i * 13);
      const sig = node.signature.sign(kp, message);
      assert.deepEqual(sig, noble.signature.sign(same, message));
      assert.equal(node.signature.verify(kp.publicKey, message, sig), true);
      assert.equal(noble.signature.verify(kp.publicKey, message, sig), true);
      const bad = sig.slice();
      bad[i]! ^= 1;
      assert.equal(node.signature.verify(kp.publicKey, message, bad), false);
    }
  });

  it('Ed25519: malformed keys and signatures verify false, never throw', () => {
    const kp = node.signature.generateKeyPair();
    const sig = node.signature.sign(kp, Uint8Array.of(1));
    assert.equal(node.signature.verify(kp.publicKey.subarray(1), Uint8Array.of(1), sig), false);
    assert.equal(node.signature.verify(kp.publicKey, Uint8Array.of(1), sig.subarray(1)), false);
    assert.equal(node.signature.verify(new Uint8Array(32).fill(0xff), Uint8Array.of(1), sig), false);
    assert.equal(node.signature.verify(kp.publicKey, Uint8Array.of(1), new Uint8Array(64).fill(0xff)), false);
    assert.equal(errorCodeOf(() => node.signature.sign(new SecretKeyPair(kp.publicKey, new Uint8Array(3)), Uint8Array.of(1))), 'CRYPTO_BAD_KEY');
  });

  it('uses the injected RandomSource for provider.random', () => {
    const calls: number[] = [];
    const provider = nodeCryptoProvider((n) => { calls.push(n); return new Uint8Array(n).fill(7); });
    assert.deepEqual(provider.random(3), Uint8Array.of(7, 7, 7));
    assert.deepEqual(calls, [3]);
  });
});

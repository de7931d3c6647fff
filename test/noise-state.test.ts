/**
 * The pieces under HandshakeState: protocol names, CipherState (nonces, failed decryption,
 * exhaustion, rekey, key hiding) and SymmetricState's HKDF, checked against node:crypto's
 * independent RFC 5869 HKDF (Noise's HKDF is RFC 5869 with ck as salt and empty info).
 */
import { strict as assert } from 'node:assert';
import { hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { toHex } from '../protocol/bytes.ts';
import { MAX_MESSAGE_NONCE } from '../protocol/crypto/nonce.ts';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import type { CipherName, CryptoProvider, HashName } from '../protocol/crypto/provider.ts';
import { CipherState } from '../protocol/noise/cipher-state.ts';
import { parseProtocolName, PRODUCTION_PROTOCOL } from '../protocol/noise/protocol-name.ts';
import { SymmetricState } from '../protocol/noise/symmetric-state.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { errorCodeOf } from './support/decoder-harness.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const EMPTY = new Uint8Array(0);
const CIPHERS: CipherName[] = ['ChaChaPoly', 'AESGCM'];
const HASHES: HashName[] = ['SHA256', 'SHA512', 'BLAKE2s', 'BLAKE2b'];
const NODE_DIGEST: Record<HashName, string> = { SHA256: 'sha256', SHA512: 'sha512', BLAKE2s: 'blake2s256', BLAKE2b: 'blake2b512' };

describe('Noise protocol names', () => {
  it('accepts the eight Noise_XX_25519 suites and splits them', () => {
    for (const cipher of CIPHERS) {
      for (const hash of HASHES) {
        const name = `Noise_XX_25519_${cipher}_${hash}`;
        assert.deepEqual(parseProtocolName(name), { name, pattern: 'XX', dh: '25519', cipher, hash });
      }
    }
    assert.equal(parseProtocolName(PRODUCTION_PROTOCOL).cipher, 'ChaChaPoly');
  });

  it('refuses other patterns, modifiers, DH functions and near misses with CRYPTO_UNSUPPORTED', () => {
    const refused = [
      'Noise_XXpsk3_25519_ChaChaPoly_SHA256', 'Noise_XXfallback_25519_ChaChaPoly_SHA256', 'Noise_XXhfs_25519+Kyber1024_ChaChaPoly_SHA256',
      'Noise_XX_448_ChaChaPoly_SHA256', 'Noise_IK_25519_ChaChaPoly_SHA256', 'Noise_NN_25519_AESGCM_SHA512', 'Noise_XX_25519_ChaChaPoly_BLAKE3',
      'Noise_XX_25519_chachapoly_sha256', 'Noise_XX_25519_ChaChaPoly_SHA256 ', 'NoisePSK_XX_25519_ChaChaPoly_SHA256', 'Noise_XX_25519_ChaChaPoly', '',
      'x'.repeat(10000),
    ];
    for (const name of refused) assert.equal(errorCodeOf(() => parseProtocolName(name)), 'CRYPTO_UNSUPPORTED');
    assert.equal(errorCodeOf(() => parseProtocolName(42 as unknown as string)), 'CRYPTO_UNSUPPORTED');
    assert.throws(() => parseProtocolName('x'.repeat(10000)), (e: Error) => e.message.length < 200);
  });
});

for (const provider of [nobleProvider(random), nodeCryptoProvider(random)] as CryptoProvider[]) {
  describe(`CipherState on ${provider.name}`, () => {
    const cipher = provider.cipher('ChaChaPoly');
    const key = random(32);

    it('passes bytes through while it has no key (§5.1)', () => {
      const cs = new CipherState(cipher);
      const data = Uint8Array.of(1, 2, 3);
      assert.equal(cs.hasKey(), false);
      assert.equal(cs.encryptWithAd(EMPTY, data), data);
      assert.equal(cs.decryptWithAd(EMPTY, data), data);
      assert.equal(cs.n, 0);
      assert.equal(errorCodeOf(() => cs.key), 'CRYPTO_BAD_KEY');
      assert.equal(errorCodeOf(() => cs.rekey()), 'CRYPTO_BAD_KEY');
    });

    it('counts nonces and leaves n unchanged when decryption fails', () => {
      const a = new CipherState(cipher);
      const b = new CipherState(cipher);
      a.initializeKey(key);
      b.initializeKey(key);
      const c0 = a.encryptWithAd(EMPTY, Uint8Array.of(0));
      const c1 = a.encryptWithAd(EMPTY, Uint8Array.of(1));
      assert.equal(a.n, 2);
      assert.equal(errorCodeOf(() => b.decryptWithAd(EMPTY, c1)), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(errorCodeOf(() => b.decryptWithAd(Uint8Array.of(9), c0)), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(errorCodeOf(() => b.decryptWithAd(EMPTY, c0.subarray(0, 10))), 'CRYPTO_DECRYPT_FAILED');
      assert.equal(b.n, 0);
      assert.deepEqual(b.decryptWithAd(EMPTY, c0), Uint8Array.of(0));
      assert.deepEqual(b.decryptWithAd(EMPTY, c1), Uint8Array.of(1));
      assert.equal(b.n, 2);
    });

    it('refuses to pass MAX_MESSAGE_NONCE (exhaustion), in both directions', () => {
      const a = new CipherState(cipher);
      const b = new CipherState(cipher);
      a.initializeKey(key);
      b.initializeKey(key);
      a.setNonce(MAX_MESSAGE_NONCE - 1);
      b.setNonce(MAX_MESSAGE_NONCE - 1);
      const last = a.encryptWithAd(EMPTY, Uint8Array.of(5));
      assert.equal(a.n, MAX_MESSAGE_NONCE);
      assert.equal(errorCodeOf(() => a.encryptWithAd(EMPTY, Uint8Array.of(6))), 'CRYPTO_NONCE_EXHAUSTED');
      assert.equal(a.n, MAX_MESSAGE_NONCE);
      assert.deepEqual(b.decryptWithAd(EMPTY, last), Uint8Array.of(5));
      assert.equal(errorCodeOf(() => b.decryptWithAd(EMPTY, last)), 'CRYPTO_NONCE_EXHAUSTED');
      assert.equal(errorCodeOf(() => a.setNonce(MAX_MESSAGE_NONCE + 1)), 'CRYPTO_NONCE_EXHAUSTED');
      assert.equal(errorCodeOf(() => a.setNonce(-1)), 'CONFIG_INVALID');
      assert.equal(errorCodeOf(() => a.setNonce(1.5)), 'CONFIG_INVALID');
      assert.equal(errorCodeOf(() => a.setNonce(Number.NaN)), 'CONFIG_INVALID');
    });

    it('rekeys (§4.2): k = REKEY(k), n unchanged, both ends still agree', () => {
      const a = new CipherState(cipher);
      const b = new CipherState(cipher);
      a.initializeKey(key);
      b.initializeKey(key);
      a.encryptWithAd(EMPTY, EMPTY);
      b.setNonce(1);
      a.rekey();
      b.rekey();
      assert.deepEqual(a.key, cipher.rekey(key));
      assert.notDeepEqual(a.key, key);
      assert.equal(a.n, 1);
      assert.deepEqual(b.decryptWithAd(EMPTY, a.encryptWithAd(EMPTY, Uint8Array.of(7))), Uint8Array.of(7));
    });

    it('refuses a key that is not 32 bytes', () => {
      assert.equal(errorCodeOf(() => new CipherState(cipher).initializeKey(new Uint8Array(16))), 'CRYPTO_BAD_KEY');
    });

    it('shows its key to no log: toString, JSON, inspect, Object.keys', () => {
      const cs = new CipherState(cipher);
      cs.initializeKey(key);
      const hex = toHex(key);
      for (const text of [String(cs), JSON.stringify(cs), inspect(cs), inspect(cs, { showHidden: true })]) assert.ok(!text.includes(hex), text);
      assert.deepEqual(JSON.parse(JSON.stringify(cs)), { cipher: 'ChaChaPoly', n: 0, hasKey: true });
      assert.ok(!Object.keys(cs).includes('k'));
      assert.deepEqual(cs.key, key);
    });
  });

  describe(`SymmetricState on ${provider.name}`, () => {
    for (const hashName of HASHES) {
      it(`MixKey and Split equal RFC 5869 HKDF over ${hashName} (node:crypto hkdfSync)`, () => {
        const hash = provider.hash(hashName);
        const cipher = provider.cipher('AESGCM');
        const name = Uint8Array.from(Buffer.from(`Noise_XX_25519_AESGCM_${hashName}`));
        const ss = SymmetricState.initialize(name, cipher, hash);
        const h0 = ss.getHandshakeHash().slice();
        const ikm = random(32);
        ss.mixKey(ikm);
        const [c1, c2] = ss.split();
        const L = hash.hashLen;
        const digest = NODE_DIGEST[hashName];
        const first = new Uint8Array(hkdfSync(digest, ikm, h0, EMPTY, 2 * L));
        const ck = first.subarray(0, L);
        const second = new Uint8Array(hkdfSync(digest, EMPTY, ck, EMPTY, 2 * L));
        assert.deepEqual(c1.key, second.subarray(0, 32));
        assert.deepEqual(c2.key, second.subarray(L, L + 32));
        if (L === 64) assert.equal(c1.key.buffer.byteLength, 32, 'a truncated key must not keep the other 32 bytes reachable');
      });
    }

    it('InitializeSymmetric pads a short name and hashes a long one (§5.2)', () => {
      const hash = provider.hash('SHA256');
      const cipher = provider.cipher('ChaChaPoly');
      const short = Uint8Array.from(Buffer.from('Noise_XX'));
      const padded = new Uint8Array(32);
      padded.set(short);
      assert.deepEqual(SymmetricState.initialize(short, cipher, hash).getHandshakeHash(), padded);
      const long = Uint8Array.from(Buffer.from('Noise_XX_25519_ChaChaPoly_BLAKE2b'));
      assert.deepEqual(SymmetricState.initialize(long, cipher, hash).getHandshakeHash(), hash.hash(long));
    });

    it('a clone is independent: work on it does not touch the original', () => {
      const ss = SymmetricState.initialize(Uint8Array.from(Buffer.from(PRODUCTION_PROTOCOL)), provider.cipher('ChaChaPoly'), provider.hash('SHA256'));
      ss.mixKey(random(32));
      const h = ss.getHandshakeHash().slice();
      const copy = ss.clone();
      copy.mixHash(Uint8Array.of(1));
      copy.mixKey(random(32));
      copy.encryptAndHash(Uint8Array.of(2));
      assert.deepEqual(ss.getHandshakeHash(), h);
      assert.equal(ss.cipherState.n, 0);
      assert.notDeepEqual(copy.split()[0].key, ss.split()[0].key);
    });
  });
}

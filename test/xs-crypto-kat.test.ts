/**
 * The RFC known-answer suite on Node, both backends: the reference for its XS run in
 * xs-engine.test.ts (same suite, same vectors). node:crypto's §2.8.2 case runs through OpenSSL's
 * own AEAD, noble's through noble's.
 */
import { strict as assert } from 'node:assert';
import { createCipheriv, randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { cryptoKatSuite, KAT_BASE_CASES, type RawAead } from './portable/crypto-kat.suite.ts';
import { registerSuite } from './portable/mocha.ts';
import { nobleRawChaChaPoly } from './xs/suites.ts';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

const opensslChaChaPoly: RawAead = (key, nonce, aad, plaintext) => {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
};

// RFC 7748's 1,000 iterations cost 2,000 scalar multiplications (about 7 s with noble on Node,
// 2 s with OpenSSL): only when BURROW_SLOW_TESTS=1.
const iterated1000 = process.env['BURROW_SLOW_TESTS'] === '1';
const noble = cryptoKatSuite(nobleProvider(random), { rawChaChaPoly: nobleRawChaChaPoly, iterated1000 });
const openssl = cryptoKatSuite(nodeCryptoProvider(random), { rawChaChaPoly: opensslChaChaPoly, iterated1000 });
registerSuite(noble);
registerSuite(openssl);

describe('RFC known answers: the suite itself', () => {
  it('has the base cases plus one per option', () => {
    assert.equal(noble.cases.length, KAT_BASE_CASES + 1 + (iterated1000 ? 1 : 0));
    assert.equal(cryptoKatSuite(nobleProvider(random)).cases.length, KAT_BASE_CASES);
  });

  it('fails a provider that gets one answer wrong (the checks can fail)', () => {
    const provider = nobleProvider(random);
    const sha = provider.hash('SHA256');
    const broken = { ...provider, hash: () => ({ ...sha, hash: (d: Uint8Array) => sha.hash(d).map((b, i) => (i === 0 ? b ^ 1 : b)) }) };
    const failures = cryptoKatSuite(broken).cases.filter((c) => {
      try {
        c.run();
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(failures.map((c) => c.name), ['SHA-256 of "abc" (RFC 6234 TEST1)']);
  });
});

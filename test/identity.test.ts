import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { createIdentity, encodeStoredIdentity, fullPayload, referencePayload } from '../protocol/identity/identity.ts';
import { decodePayload, encodePayload } from '../protocol/identity/payload.ts';
import { decodeStoredIdentity, readStoredIdentity } from '../protocol/identity/identity.ts';
import { allowList } from '../protocol/identity/trust.ts';
import { verifyPeer } from '../protocol/identity/verify.ts';
import { identitySuite, NOW } from './portable/identity.suite.ts';
import { registerSuite } from './portable/mocha.ts';
import { checkEveryCorruption, checkEveryTruncation, fuzzDecoder } from './support/decoder-harness.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
registerSuite(identitySuite(nobleProvider(random)));
registerSuite(identitySuite(nodeCryptoProvider(random)));

describe('identity decoders under attack', () => {
  const provider = nodeCryptoProvider(random);
  const device = createIdentity(provider, NOW, NOW + 1000);
  const full = encodePayload(fullPayload(device));
  const ref = encodePayload(referencePayload(device));
  const stored = encodeStoredIdentity(device);
  const verify = (b: Uint8Array) => verifyPeer(b, { provider, rs: device.staticKey.publicKey, now: NOW, policy: allowList([device.id]) });

  it('payload decoder: fuzzed, truncated, corrupted -> typed errors only', () => {
    fuzzDecoder(decodePayload, [full, ref], { maxLength: 300 });
    checkEveryTruncation(decodePayload, full);
    checkEveryTruncation(decodePayload, ref);
    checkEveryCorruption(decodePayload, full);
  });

  it('no single-byte corruption of a signed FULL payload ever verifies', () => {
    assert.equal(checkEveryCorruption(verify, full), 0);
  });

  it('stored identity decoder: fuzzed, truncated, corrupted -> typed errors only', () => {
    // Fuzz the pure codec: the full decoder derives two key pairs per accepted input (~3 ms),
    // which 100,000 runs cannot afford; truncation and corruption run the full decoder.
    fuzzDecoder(readStoredIdentity, [stored], { maxLength: 300 });
    const decode = (b: Uint8Array) => decodeStoredIdentity(provider, b);
    checkEveryTruncation(decode, stored);
    assert.equal(checkEveryCorruption(decode, stored), 0, 'the checksum refuses every corruption');
    assert.ok(!JSON.stringify(readStoredIdentity(stored)).includes('PrivateKey'), 'private keys not in JSON');
  });
});

/**
 * Identities and attestations as a function of the provider (Node and XS): verification, every
 * failure code, rotation, the peer cache and the payload size budget.
 */
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { attestStaticKey } from '../../protocol/identity/attestation.ts';
import { rotateHistory, verifyHistory } from '../../protocol/identity/history.ts';
import { createIdentity, decodeStoredIdentity, encodeStoredIdentity, fullPayload, referencePayload, type LocalIdentity } from '../../protocol/identity/identity.ts';
import { encodePayload, Extension, payloadExtension } from '../../protocol/identity/payload.ts';
import { allowList, PeerCache, pinnedAnchor, trustCallback } from '../../protocol/identity/trust.ts';
import { verifyPeer } from '../../protocol/identity/verify.ts';
import { checkBytes, checkEqual, checkThrowsCode, type Suite } from './suite.ts';

export const NOW = 1_790_000_000;
const YEAR = 365 * 86400;

export function identitySuite(provider: CryptoProvider): Suite {
  const make = (): LocalIdentity => createIdentity(provider, NOW, NOW + YEAR);
  const device = make();
  const other = make();
  const full = encodePayload(fullPayload(device));
  const trusting = allowList([device.id]);
  const verify = (payload: Uint8Array, extra: Partial<Parameters<typeof verifyPeer>[1]> = {}) =>
    verifyPeer(payload, { provider, rs: device.staticKey.publicKey, now: NOW + 10, policy: trusting, ...extra });
  return {
    name: `identities (${provider.name})`,
    cases: [
      { name: 'a FULL payload verifies and names its identifier', run: () => checkEqual(verify(full).id, device.id, 'identifier') },
      { name: 'payload sizes fit the handshake budget', run() {
        checkEqual(full.length, 112, 'FULL payload bytes');
        checkEqual(encodePayload(referencePayload(device)).length, 23, 'REFERENCE payload bytes');
        checkEqual(192 + 1 + 2 * full.length <= 450, true, 'first contact <= 450');
      } },
      { name: 'another static key than the attested one is refused', run: () =>
        checkThrowsCode(() => verify(full, { rs: other.staticKey.publicKey }), 'IDENTITY_BAD_SIGNATURE', 'key swap') },
      { name: 'an identity not on the allow-list is refused', run: () =>
        checkThrowsCode(() => verify(full, { policy: allowList([other.id]) }), 'IDENTITY_NOT_TRUSTED', 'not allowed') },
      { name: 'expired and not-yet-valid attestations are refused', run() {
        checkThrowsCode(() => verify(full, { now: NOW + YEAR }), 'IDENTITY_EXPIRED', 'expired');
        checkThrowsCode(() => verify(full, { now: NOW - 3600 }), 'IDENTITY_EXPIRED', 'future');
      } },
      { name: 'without a clock only a pinned anchor is accepted', run() {
        checkThrowsCode(() => verify(full, { now: undefined }), 'IDENTITY_EXPIRED', 'allow-list needs a clock');
        checkEqual(verify(full, { now: undefined, policy: pinnedAnchor(device.id) }).id, device.id, 'anchor without clock');
      } },
      { name: 'a REFERENCE resolves only from the cache, and policy still applies', run() {
        const ref = encodePayload(referencePayload(device));
        const cache = new PeerCache();
        checkThrowsCode(() => verify(ref, { cache }), 'IDENTITY_UNKNOWN_REFERENCE', 'unknown reference');
        verify(full, { cache });
        checkEqual(verify(ref, { cache }).fromCache, true, 'resolved from cache');
        checkEqual(verify(full, { cache }).fromCache, true, 'repeat FULL skips signatures');
        checkThrowsCode(() => verify(ref, { cache, policy: trustCallback(() => false) }), 'IDENTITY_NOT_TRUSTED', 'revoked');
        cache.forget(device.identifier);
        checkThrowsCode(() => verify(ref, { cache }), 'IDENTITY_UNKNOWN_REFERENCE', 'forgotten');
      } },
      { name: 'rotation keeps the identifier; a forged rotation is refused', run() {
        const next = provider.signature.generateKeyPair();
        const history = rotateHistory(provider, device.history, device.identityKey, next, NOW + 5);
        const { identifier, currentKey } = verifyHistory(provider, history);
        checkBytes(identifier, device.identifier, 'identifier survives rotation');
        checkBytes(currentKey, next.publicKey, 'current key is the new one');
        const attestation = attestStaticKey(provider, next, identifier, device.staticKey.publicKey, NOW + 5, NOW + YEAR);
        checkEqual(verify(encodePayload({ form: 'full', history, attestation, extensions: [] })).id, device.id, 'rotated identity verifies');
        const forged = { changes: [history.changes[0]!, { ...history.changes[1]!, sigPrevious: history.changes[1]!.sigNew! }] };
        checkThrowsCode(() => verifyHistory(provider, forged), 'IDENTITY_BAD_SIGNATURE', 'forged rotation');
      } },
      { name: 'extensions (an enrollment ticket) travel inside the payload', run() {
        const ticket = provider.random(16);
        const peer = verify(encodePayload(fullPayload(device, [{ type: Extension.ENROLLMENT_TICKET, value: ticket }])));
        checkBytes(peer.extensions[0]!.value, ticket, 'ticket');
      } },
      { name: 'a cached peer cannot resend its attestation with other times', run() {
        const cache = new PeerCache();
        verify(full, { cache });
        // FULL single-key layout: version, form, count, key (32), created (4), then the attestation.
        const forged = full.slice();
        forged[2 + 1 + 36 + 4] = 0xff; // first byte of `expires`: pushed out by ~136 years
        const late = NOW + YEAR + 10;
        checkThrowsCode(() => verify(forged, { cache, now: late }), 'IDENTITY_BAD_SIGNATURE', 'forged expiry with a warm cache');
        checkThrowsCode(() => verify(encodePayload(referencePayload(device)), { cache, now: late }), 'IDENTITY_EXPIRED', 'cache still holds the genuine expiry');
      } },
      { name: 'a clock reading that is not a time is refused, not treated as valid', run() {
        for (const now of [Number.NaN, Number.POSITIVE_INFINITY, -1]) checkThrowsCode(() => verify(full, { now }), 'CONFIG_INVALID', `now = ${now}`);
      } },
      { name: 'an enrollment ticket stays out of JSON and String()', run() {
        const ticket = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x5e, 0xc7, 0x3e, 0x71);
        const peer = verify(encodePayload(fullPayload(device, [payloadExtension(Extension.ENROLLMENT_TICKET, ticket)])));
        checkBytes(peer.extensions[0]!.value, ticket, 'ticket readable');
        checkEqual(JSON.stringify(peer.extensions), '[{"type":1,"length":8}]', 'JSON shows type and length only');
        checkEqual(JSON.stringify(peer).includes('"value"'), false, 'no value in the peer\'s JSON');
        checkEqual(String(peer.extensions[0]), 'PayloadExtension(type 1, 8 bytes)', 'String()');
      } },
      { name: 'stored identities roundtrip and keep private keys out of JSON', run() {
        const stored = encodeStoredIdentity(device);
        const back = decodeStoredIdentity(provider, stored);
        checkEqual(back.id, device.id, 'identifier');
        checkBytes(back.staticKey.publicKey, device.staticKey.publicKey, 'static key');
        checkEqual(JSON.stringify(back).includes('privateKey'), false, 'no private key in JSON');
      } },
    ],
  };
}

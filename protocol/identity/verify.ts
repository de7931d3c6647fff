/**
 * Verifying a peer's handshake payload against the static key Noise proved (rs): signatures,
 * key binding, validity period, then the trust policy. A cached peer skips the signatures but
 * never the time and policy checks, so revocation and expiry still apply.
 */
import { equalBytes } from '../bytes.ts';
import { ConfigError, IdentityError } from '../errors.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { verifyAttestation } from './attestation.ts';
import { verifyHistory } from './history.ts';
import { formatIdentifier } from './identifier.ts';
import { decodePayload } from './payload.ts';
import type { PeerCache, TrustPolicy, VerifiedPeer } from './trust.ts';

// Our limits.
/** Clock skew tolerated on `created`: devices' clocks drift, and NTP may not have run yet. */
export const CLOCK_SKEW_SECONDS = 300;

export interface VerifyOptions {
  readonly provider: CryptoProvider;
  /** The remote static key from the Noise handshake. */
  readonly rs: Uint8Array;
  /** Seconds since the Unix epoch; undefined on a device whose clock is not set. */
  readonly now: number | undefined;
  readonly policy: TrustPolicy;
  readonly cache?: PeerCache;
}

export function verifyPeer(payloadBytes: Uint8Array, o: VerifyOptions): VerifiedPeer {
  // A NaN or infinite clock would make every time comparison false and skip expiry.
  if (o.now !== undefined && !(Number.isFinite(o.now) && o.now >= 0)) throw new ConfigError('CONFIG_INVALID', 'now must be seconds since the Unix epoch, or undefined');
  const payload = decodePayload(payloadBytes);
  const cached = o.cache?.get(o.rs);
  let peer: VerifiedPeer;
  if (payload.form === 'reference') {
    if (!cached || !equalBytes(cached.identifier, payload.identifier)) {
      throw new IdentityError('IDENTITY_UNKNOWN_REFERENCE', 'peer referred to an identity we have not verified');
    }
    peer = { ...cached, extensions: payload.extensions, fromCache: true };
  } else {
    const { identifier, currentKey } = verifyHistory(o.provider, payload.history);
    // Every signed field must match the cached, verified attestation: the signature alone is not
    // enough, or a holder of rs could resend it with a later `expires` and skip verification.
    const a = payload.attestation;
    const sameAsCached = cached !== undefined && equalBytes(cached.identifier, identifier) && equalBytes(cached.identityKey, currentKey) &&
      cached.attestation.created === a.created && cached.attestation.expires === a.expires && equalBytes(cached.attestation.signature, a.signature);
    if (!sameAsCached && !verifyAttestation(o.provider, currentKey, identifier, o.rs, payload.attestation)) {
      throw new IdentityError('IDENTITY_BAD_SIGNATURE', 'attestation does not verify for the handshake static key');
    }
    peer = { identifier, id: formatIdentifier(identifier), identityKey: currentKey, staticKey: o.rs.slice(), attestation: payload.attestation, extensions: payload.extensions, fromCache: sameAsCached };
  }
  checkValidity(peer, o);
  if (!o.policy.trusts(peer)) throw new IdentityError('IDENTITY_NOT_TRUSTED', `identity ${peer.id} is not trusted`);
  o.cache?.put(peer);
  return peer;
}

function checkValidity(peer: VerifiedPeer, o: VerifyOptions): void {
  if (!equalBytes(peer.staticKey, o.rs)) throw new IdentityError('IDENTITY_KEY_MISMATCH', 'attested key is not the handshake static key');
  if (o.now === undefined) {
    if (!o.policy.withoutClock) throw new IdentityError('IDENTITY_EXPIRED', 'no clock: only a pinned trust anchor can be accepted');
    return;
  }
  const a = peer.attestation;
  if (o.now + CLOCK_SKEW_SECONDS < a.created) throw new IdentityError('IDENTITY_EXPIRED', 'attestation is not valid yet');
  if (o.now >= a.expires) throw new IdentityError('IDENTITY_EXPIRED', 'attestation has expired');
}

/**
 * The service's own identity: created on first start, kept in <data>/identity.bin (0600), and
 * never logged. Devices are built with its identifier as their pinned trust anchor, so the
 * identifier must outlive any key: the attestation of the Noise static key is renewed (same
 * identity key, same static key, new validity period) when it nears expiry, which changes
 * nothing a device pinned.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { attestStaticKey } from '../protocol/identity/attestation.ts';
import { createIdentity, decodeStoredIdentity, encodeStoredIdentity, type LocalIdentity } from '../protocol/identity/identity.ts';
import { checkSecretFileMode, writeSecretFile, type DataPaths } from './data-dir.ts';

// Our limits.
/** Attestation validity: long, because a device with a clock refuses an expired one and an
 *  unattended renewal is only possible while the service runs; renewed well before the end. */
export const ATTESTATION_DAYS = 730;
/** Renew when less than this remains: leaves a month of restarts to notice a failure. */
export const RENEW_BEFORE_DAYS = 30;
const DAY = 86_400;

export interface ServiceIdentity {
  readonly identity: LocalIdentity;
  /** What happened on this load: a new identity, a renewed attestation, or neither. */
  readonly created: boolean;
  readonly renewed: boolean;
}

/** `nowSeconds`: wall clock, seconds since the Unix epoch. */
export function loadOrCreateServiceIdentity(provider: CryptoProvider, paths: DataPaths, nowSeconds: number): ServiceIdentity {
  if (!existsSync(paths.identity)) {
    const identity = createIdentity(provider, nowSeconds, nowSeconds + ATTESTATION_DAYS * DAY);
    if (writeSecretFile(paths.identity, encodeStoredIdentity(identity), true)) return { identity, created: true, renewed: false };
    // Another process created it first: use theirs.
  }
  checkSecretFileMode(paths.identity);
  const stored = decodeStoredIdentity(provider, new Uint8Array(readFileSync(paths.identity)));
  if (stored.attestation.expires - nowSeconds > RENEW_BEFORE_DAYS * DAY) return { identity: stored, created: false, renewed: false };
  const attestation = attestStaticKey(provider, stored.identityKey, stored.identifier, stored.staticKey.publicKey, nowSeconds, nowSeconds + ATTESTATION_DAYS * DAY);
  const identity: LocalIdentity = { ...stored, attestation };
  writeSecretFile(paths.identity, encodeStoredIdentity(identity));
  return { identity, created: false, renewed: true };
}

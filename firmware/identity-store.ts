/**
 * Provisioning at first boot and loading at every later one: the device's Ed25519 identity,
 * its X25519 Noise static key and the attestation binding them, kept in one NVS value
 * (protocol/identity/identity.ts storage codec, at most 4000 bytes, CRC-checked).
 *
 * Keys come from the platform's hardware RNG (the provider's RandomSource) and never leave
 * the device: only the identifier is printed, so an operator can enroll it.
 *
 * The attestation is signed once, here, and dated by the clock when it is set, else by the
 * firmware's build time (a lower bound of the true time, so the cloud never sees an attestation
 * "from the future" beyond its skew allowance); it is valid for `attestationDays`.
 *
 * An unreadable stored identity (flash corruption: DECODE_BAD_CHECKSUM and friends) is set
 * aside under `identityBad` and a new identity is provisioned, with a console line saying so.
 * Chosen over halting: a device that cannot boot can only be fixed with a cable, while a new
 * identifier is refused by the cloud until it is enrolled, which is visible and safe.
 */
import { BurrowError, ConfigError } from '../protocol/errors.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { NEVER_EXPIRES } from '../protocol/identity/attestation.ts';
import { createIdentity, decodeStoredIdentity, encodeStoredIdentity, MAX_STORED_IDENTITY, type LocalIdentity } from '../protocol/identity/identity.ts';
import { equalBytes } from '../protocol/bytes.ts';
import type { Log } from './log.ts';
import { StoreKey, type KeyValueStore } from './storage.ts';

const DAY_SECONDS = 86_400;

export interface ProvisionOptions {
  /** Seconds since the epoch, or undefined when the clock is not set. */
  readonly now: number | undefined;
  readonly buildTime: number;
  readonly attestationDays: number;
}

export interface LoadedIdentity {
  readonly identity: LocalIdentity;
  /** True when this boot created the identity. */
  readonly provisioned: boolean;
}

export function loadOrProvisionIdentity(provider: CryptoProvider, store: KeyValueStore, options: ProvisionOptions, log: Log): LoadedIdentity {
  const stored = store.getBytes(StoreKey.identity);
  if (stored !== undefined) {
    try {
      return { identity: decodeStoredIdentity(provider, stored), provisioned: false };
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      log(`stored identity unreadable (${e.code}): set aside as '${StoreKey.badIdentity}', provisioning a new one (re-enroll it)`);
      store.setBytes(StoreKey.badIdentity, stored);
    }
  }
  return { identity: provision(provider, store, options), provisioned: true };
}

function provision(provider: CryptoProvider, store: KeyValueStore, o: ProvisionOptions): LocalIdentity {
  const created = o.now ?? o.buildTime;
  const expires = Math.min(created + o.attestationDays * DAY_SECONDS, NEVER_EXPIRES - 1);
  const identity = createIdentity(provider, created, expires);
  const bytes = encodeStoredIdentity(identity);
  if (bytes.length > MAX_STORED_IDENTITY) throw new ConfigError('CONFIG_INVALID', `identity of ${bytes.length} bytes does not fit one preference`);
  store.setBytes(StoreKey.identity, bytes);
  // Read back: a device that cannot keep its identity would get a new one at every boot.
  const back = store.getBytes(StoreKey.identity);
  if (back === undefined || !equalBytes(back, bytes)) throw new ConfigError('CONFIG_INVALID', 'identity did not persist in NVS');
  return identity;
}

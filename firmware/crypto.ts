/**
 * The device's crypto provider: the core's noble backend trimmed to the one production suite
 * (X25519, ChaChaPoly, SHA256, plus Ed25519 for identities), or native parts where the build
 * has them.
 *
 * The native hook: a build may add a Moddable module named `burrow-native-crypto` (a small C
 * module, e.g. X25519 and Ed25519 over ESP-IDF's mbedTLS, which Moddable's `crypt` lacks) that
 * exports `nativeCryptoParts(random)`, returning any of `dh`, `signature`, `ciphers`, `hashes`
 * in the core's provider types (protocol/crypto/provider.ts). What it returns replaces the
 * noble part of the same name; the rest stays noble. Found at run time through Moddable's
 * `Modules.has`/`importNow`, so the firmware needs no change and the core none at all: the
 * manifest adds the module (manifests/README.md, "A native provider"). Whatever it offers must
 * pass the same vectors (test/portable/crypto-kat.suite.ts) before a build ships it.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import Modules from 'modules';
import { assembleNobleProvider } from '../protocol/crypto/noble/index.ts';
import { chaChaPoly } from '../protocol/crypto/noble/aead.ts';
import { sha256Hash } from '../protocol/crypto/noble/hashes.ts';
import type { CipherFunctions, CryptoProvider, DHFunctions, HashFunctions, RandomSource, SignatureFunctions } from '../protocol/crypto/provider.ts';
import { ConfigError, CryptoError } from '../protocol/errors.ts';

export const NATIVE_CRYPTO_MODULE = 'burrow-native-crypto';

export interface NativeCryptoParts {
  readonly name: string;
  readonly dh?: DHFunctions;
  readonly signature?: SignatureFunctions;
  readonly ciphers?: readonly CipherFunctions[];
  readonly hashes?: readonly HashFunctions[];
}

export interface NativeCryptoModule {
  nativeCryptoParts(random: RandomSource): NativeCryptoParts;
}

/**
 * noble builds a W=6 wNAF table for the Ed25519 base point on its first use and keeps it: about
 * 2,000 points, measured at ~7,000 live XS slots plus their BigInt chunks, more than an ESP32's
 * whole 4,928-slot heap. The device signs once (provisioning) and verifies at most one
 * signature per first-contact handshake, so it takes noble's table-free fixed-window path.
 * Set here, when this module is evaluated, rather than at run time: on the device that is at
 * preload (build) time, so no WeakMap of noble's is written at run time with a key in flash
 * (a case XS handled badly, see firmware/README.md "Preloading"). X25519 has no table.
 */
ed25519.Point.BASE.precompute(1);

export function nobleFirmwareProvider(random: RandomSource): CryptoProvider {
  return assembleNobleProvider(random, { name: 'noble-firmware', ciphers: [chaChaPoly], hashes: [sha256Hash] });
}

/** Lays native parts over a base provider; names the result after both. */
export function withNativeParts(base: CryptoProvider, parts: NativeCryptoParts): CryptoProvider {
  const ciphers = parts.ciphers ?? [];
  const hashes = parts.hashes ?? [];
  return {
    name: `${parts.name}+${base.name}`,
    random: base.random,
    dh: parts.dh ?? base.dh,
    signature: parts.signature ?? base.signature,
    cipher: (name) => ciphers.find((c) => c.name === name) ?? base.cipher(name),
    hash: (name) => hashes.find((h) => h.name === name) ?? base.hash(name),
  };
}

function isNativeModule(m: unknown): m is NativeCryptoModule {
  return typeof m === 'object' && m !== null && typeof (m as { nativeCryptoParts?: unknown }).nativeCryptoParts === 'function';
}

/** The provider the device uses: noble, with native parts laid over it when the build has them. */
export function firmwareProvider(random: RandomSource): CryptoProvider {
  const base = nobleFirmwareProvider(random);
  if (!Modules.has(NATIVE_CRYPTO_MODULE)) return base;
  const native = Modules.importNow(NATIVE_CRYPTO_MODULE);
  if (!isNativeModule(native)) throw new ConfigError('CONFIG_INVALID', `${NATIVE_CRYPTO_MODULE} does not export nativeCryptoParts()`);
  const parts = native.nativeCryptoParts(random);
  if (parts.dh !== undefined && parts.dh.name !== '25519') throw new CryptoError('CRYPTO_UNSUPPORTED', 'native DH must be 25519');
  return withNativeParts(base, parts);
}

/**
 * The portable provider: every Noise suite Burrow knows, over the noble libraries. Firmware
 * assembles its own trimmed provider from the same parts (ChaChaPoly and SHA256 only) so the
 * device bundle carries no AES or BLAKE code.
 */
import { CryptoError } from '../../errors.ts';
import type { CipherFunctions, CipherName, CryptoProvider, HashFunctions, HashName, RandomSource } from '../provider.ts';
import { aesGcm, chaChaPoly } from './aead.ts';
import { nobleEd25519, nobleX25519 } from './curves.ts';
import { blake2bHash, blake2sHash, sha256Hash, sha512Hash } from './hashes.ts';

export interface ProviderParts {
  readonly name: string;
  readonly ciphers: readonly CipherFunctions[];
  readonly hashes: readonly HashFunctions[];
}

/** Assembles a provider from chosen ciphers and hashes; missing names are CRYPTO_UNSUPPORTED. */
export function assembleNobleProvider(random: RandomSource, parts: ProviderParts): CryptoProvider {
  return {
    name: parts.name,
    random,
    dh: nobleX25519(random),
    signature: nobleEd25519(random),
    cipher(name: CipherName) {
      const found = parts.ciphers.find((c) => c.name === name);
      if (!found) throw new CryptoError('CRYPTO_UNSUPPORTED', `cipher ${name} is not in provider ${parts.name}`);
      return found;
    },
    hash(name: HashName) {
      const found = parts.hashes.find((h) => h.name === name);
      if (!found) throw new CryptoError('CRYPTO_UNSUPPORTED', `hash ${name} is not in provider ${parts.name}`);
      return found;
    },
  };
}

/** All four hashes and both ciphers: conformance, tests, and Node code without node:crypto. */
export function nobleProvider(random: RandomSource): CryptoProvider {
  return assembleNobleProvider(random, {
    name: 'noble',
    ciphers: [chaChaPoly, aesGcm],
    hashes: [sha256Hash, sha512Hash, blake2sHash, blake2bHash],
  });
}

/**
 * Noise protocol names (rev 34 §8): Burrow speaks one pattern (XX) and one DH (25519); the
 * cipher and hash are parameters so the official vectors for all eight XX_25519 suites run,
 * while production uses Noise_XX_25519_ChaChaPoly_SHA256.
 */
import { CryptoError } from '../errors.ts';
import type { CipherName, HashName } from '../crypto/provider.ts';

export interface NoiseProtocol {
  readonly name: string;
  readonly pattern: 'XX';
  readonly dh: '25519';
  readonly cipher: CipherName;
  readonly hash: HashName;
}

export const PRODUCTION_PROTOCOL = 'Noise_XX_25519_ChaChaPoly_SHA256';

const PROTOCOL_NAME = /^Noise_XX_25519_(ChaChaPoly|AESGCM)_(SHA256|SHA512|BLAKE2s|BLAKE2b)$/;

export function parseProtocolName(name: string): NoiseProtocol {
  const m = PROTOCOL_NAME.exec(name);
  if (!m) throw new CryptoError('CRYPTO_UNSUPPORTED', `unsupported Noise protocol ${name.slice(0, 64)}`);
  return { name, pattern: 'XX', dh: '25519', cipher: m[1] as CipherName, hash: m[2] as HashName };
}

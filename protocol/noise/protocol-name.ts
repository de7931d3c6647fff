/**
 * Noise protocol names (rev 34 §8): which suite a HandshakeState runs.
 *
 * Burrow speaks one pattern (XX) over one DH (25519). The cipher and hash stay parameters, so
 * the official vectors for all eight XX_25519 suites run against the same code that production
 * runs as Noise_XX_25519_ChaChaPoly_SHA256. Chosen over a general name parser (every pattern,
 * modifier and DH): a name Burrow cannot run is refused here, once, with CRYPTO_UNSUPPORTED,
 * instead of deep inside a handshake; PSK modifiers (XXpsk3), XXfallback, hfs and 448 included.
 */
import { CryptoError } from '../errors.ts';
import type { CipherName, HashName } from '../crypto/provider.ts';

// Protocol constants (Noise rev 34 §8, §12).
/** What Burrow runs in production (design.md, layer 3). */
export const PRODUCTION_PROTOCOL = 'Noise_XX_25519_ChaChaPoly_SHA256';
const PROTOCOL_NAME = /^Noise_XX_25519_(ChaChaPoly|AESGCM)_(SHA256|SHA512|BLAKE2s|BLAKE2b)$/;

// Our limits.
/** Characters of a refused name quoted in the error: enough to recognise it, bounded for logs. */
const QUOTED_NAME_CHARS = 64;

export interface NoiseProtocol {
  readonly name: string;
  readonly pattern: 'XX';
  readonly dh: '25519';
  readonly cipher: CipherName;
  readonly hash: HashName;
}

/** Parses a full protocol name; anything but Noise_XX_25519_<cipher>_<hash> is unsupported. */
export function parseProtocolName(name: string): NoiseProtocol {
  const m = typeof name === 'string' ? PROTOCOL_NAME.exec(name) : null;
  if (m === null) {
    const quoted = typeof name === 'string' ? name.slice(0, QUOTED_NAME_CHARS) : typeof name;
    throw new CryptoError('CRYPTO_UNSUPPORTED', `unsupported Noise protocol ${quoted}`);
  }
  return { name, pattern: 'XX', dh: '25519', cipher: m[1] as CipherName, hash: m[2] as HashName };
}

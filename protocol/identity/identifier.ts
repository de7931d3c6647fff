/**
 * Identifiers: the name an identity keeps for life, the first 20 bytes of SHA-256 over the
 * encoded first change of its history (Ockam's rule), so rotating keys never renames an
 * identity; a hash of the current key instead would rename it on every rotation.
 *
 * Text form: 'I' followed by 40 lowercase hex digits, one spelling only, so identifiers compare
 * as strings in configs, logs and databases.
 */
import { toHex } from '../bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { DecodeError } from '../errors.ts';

// Protocol constants.
/** Identifier length: SHA-256 truncated to 160 bits, as Ockam does. */
export const IDENTIFIER_BYTES = 20;
const PREFIX = 'I';

/** identifier = SHA-256(encoded first change)[0:20] */
export function identifierOf(provider: CryptoProvider, firstChange: Uint8Array): Uint8Array {
  return provider.hash('SHA256').hash(firstChange).slice(0, IDENTIFIER_BYTES);
}

export function formatIdentifier(identifier: Uint8Array): string {
  if (identifier.length !== IDENTIFIER_BYTES) throw new DecodeError('DECODE_BAD_VALUE', `identifier must be ${IDENTIFIER_BYTES} bytes`);
  return PREFIX + toHex(identifier);
}

export function parseIdentifier(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length !== 1 + 2 * IDENTIFIER_BYTES || text[0] !== PREFIX) {
    throw new DecodeError('DECODE_BAD_VALUE', `identifier text must be '${PREFIX}' and ${2 * IDENTIFIER_BYTES} lowercase hex digits`);
  }
  const out = new Uint8Array(IDENTIFIER_BYTES);
  for (let i = 0; i < IDENTIFIER_BYTES; i++) {
    const hi = hexDigit(text.charCodeAt(1 + 2 * i));
    const lo = hexDigit(text.charCodeAt(2 + 2 * i));
    if (hi < 0 || lo < 0) throw new DecodeError('DECODE_BAD_VALUE', 'identifier text must be lowercase hex');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Lowercase hex digits only ('0'-'9', 'a'-'f'); -1 for anything else. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Creating and storing a local identity: the Ed25519 identity key, its history, the X25519
 * Noise static key and the attestation binding them. The storage codec is what goes into NVS
 * (one Moddable `preference` value, at most 4000 bytes) or a 0600 key file.
 *
 *   stored = version (u8 = 1) || history || identityPrivate (32) || staticPrivate (32) || attestation (72)
 *            || crc (u16, CRC-16/CCITT-FALSE over everything before it)
 *
 * The CRC is checked before any key is derived: flash or file corruption then fails as
 * DECODE_BAD_CHECKSUM instead of booting with a silently different key (which peers would only
 * report as a bad signature). Tampering is out of scope: whoever can write NVS owns the device.
 * CRC over a SHA-256 tag because the encoder needs no provider and 2 bytes are plenty for ~1 KB.
 * `readStoredIdentity` is the pure codec (no crypto, so it fuzzes fast); `decodeStoredIdentity`
 * also rebuilds the key pairs and walks the history.
 */
import { equalBytes } from '../bytes.ts';
import { DecodeError } from '../errors.ts';
import type { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import { crc16, CRC16_BYTES } from '../framing/crc.ts';
import { ByteReader, ByteWriter } from '../wire.ts';
import { attestStaticKey, readAttestation, writeAttestation, type Attestation } from './attestation.ts';
import { encodeHistory, historyIdentifier, readHistory, verifyHistory, type History } from './history.ts';
import { formatIdentifier } from './identifier.ts';
import type { IdentityPayload, PayloadExtension } from './payload.ts';

const STORAGE_VERSION = 1;
/** Moddable `preference` values hold at most 4000 bytes. */
export const MAX_STORED_IDENTITY = 4000;

export interface LocalIdentity {
  readonly history: History;
  readonly identifier: Uint8Array;
  readonly id: string;
  readonly identityKey: KeyPair;
  readonly staticKey: KeyPair;
  readonly attestation: Attestation;
}

/** Provisioning: new keys, one attestation valid from `now` to `expires` (seconds). */
export function createIdentity(provider: CryptoProvider, now: number, expires: number): LocalIdentity {
  const identityKey = provider.signature.generateKeyPair();
  const history: History = { changes: [{ key: identityKey.publicKey, created: now }] };
  const identifier = historyIdentifier(provider, history);
  const staticKey = provider.dh.generateKeyPair();
  const attestation = attestStaticKey(provider, identityKey, identifier, staticKey.publicKey, now, expires);
  return { history, identifier, id: formatIdentifier(identifier), identityKey, staticKey, attestation };
}

export function fullPayload(identity: LocalIdentity, extensions: readonly PayloadExtension[] = []): IdentityPayload {
  return { form: 'full', history: identity.history, attestation: identity.attestation, extensions };
}

export function referencePayload(identity: LocalIdentity, extensions: readonly PayloadExtension[] = []): IdentityPayload {
  return { form: 'reference', identifier: identity.identifier, extensions };
}

export function encodeStoredIdentity(identity: LocalIdentity): Uint8Array {
  const w = new ByteWriter().u8(STORAGE_VERSION).bytes(encodeHistory(identity.history)).bytes(identity.identityKey.privateKey).bytes(identity.staticKey.privateKey);
  writeAttestation(w, identity.attestation);
  const body = w.finish();
  return new ByteWriter().bytes(body).u16(crc16(body)).finish();
}

/** The parts of a stored identity, private keys as non-enumerable properties (never in JSON). */
export interface StoredIdentityRecord {
  readonly history: History;
  readonly identityPrivateKey: Uint8Array;
  readonly staticPrivateKey: Uint8Array;
  readonly attestation: Attestation;
}

/** The pure storage codec: size, checksum, version and structure; no key is derived. */
export function readStoredIdentity(bytes: Uint8Array): StoredIdentityRecord {
  if (bytes.length > MAX_STORED_IDENTITY) throw new DecodeError('DECODE_OVERSIZE', 'stored identity too large');
  if (bytes.length < 1 + CRC16_BYTES) throw new DecodeError('DECODE_TRUNCATED', 'stored identity: truncated');
  const bodyLength = bytes.length - CRC16_BYTES;
  if (crc16(bytes, 0, bodyLength) !== ((bytes[bodyLength]! << 8) | bytes[bodyLength + 1]!)) {
    throw new DecodeError('DECODE_BAD_CHECKSUM', 'stored identity: checksum mismatch (corrupted storage)');
  }
  const r = new ByteReader(bytes.subarray(0, bodyLength), 'stored identity');
  const version = r.u8();
  if (version !== STORAGE_VERSION) throw new DecodeError('DECODE_BAD_VERSION', `stored identity version ${version}`);
  const history = readHistory(r);
  const identityPrivateKey = r.bytesOf(32);
  const staticPrivateKey = r.bytesOf(32);
  const attestation = readAttestation(r);
  r.end();
  const hidden = (value: Uint8Array): PropertyDescriptor => ({ value, enumerable: false, writable: false });
  return Object.defineProperties({ history, attestation }, {
    identityPrivateKey: hidden(identityPrivateKey),
    staticPrivateKey: hidden(staticPrivateKey),
  }) as StoredIdentityRecord;
}

export function decodeStoredIdentity(provider: CryptoProvider, bytes: Uint8Array): LocalIdentity {
  const { history, identityPrivateKey, staticPrivateKey, attestation } = readStoredIdentity(bytes);
  const identityKey = provider.signature.keyPairFromPrivate(identityPrivateKey);
  const staticKey = provider.dh.keyPairFromPrivate(staticPrivateKey);
  const { identifier, currentKey } = verifyHistory(provider, history);
  if (!equalBytes(currentKey, identityKey.publicKey)) throw new DecodeError('DECODE_BAD_VALUE', 'stored identity key does not match its history');
  return { history, identifier, id: formatIdentifier(identifier), identityKey, staticKey, attestation };
}


/**
 * The identity sub-codecs on their own (history, attestation), and the handshake size budget
 * measured on real payloads: XX adds 192 bytes over its three messages (32 + 32+48+16 + 48+16),
 * and message 1 carries the secure channel's one-byte hello.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import { readAttestation } from '../protocol/identity/attestation.ts';
import { readHistory, rotateHistory } from '../protocol/identity/history.ts';
import { createIdentity, fullPayload, referencePayload } from '../protocol/identity/identity.ts';
import { encodePayload, Extension, payloadExtension } from '../protocol/identity/payload.ts';
import { ByteReader, ByteWriter } from '../protocol/wire.ts';
import { writeAttestation } from '../protocol/identity/attestation.ts';
import { encodeHistory } from '../protocol/identity/history.ts';
import { checkEveryCorruption, checkEveryTruncation, fuzzDecoder } from './support/decoder-harness.ts';

const provider = nobleProvider((n) => new Uint8Array(randomBytes(n)));
const NOW = 1_790_000_000;
const NOISE_XX_OVERHEAD = 32 + (32 + 48 + 16) + (48 + 16);
const HELLO = 1;

const whole = <T>(read: (r: ByteReader) => T, what: string) => (bytes: Uint8Array): T => {
  const r = new ByteReader(bytes, what);
  const value = read(r);
  r.end();
  return value;
};
const decodeHistory = whole(readHistory, 'history');
const decodeAttestation = whole(readAttestation, 'attestation');

describe('identity sub-codecs under attack', () => {
  const device = createIdentity(provider, NOW, NOW + 86400);
  const rotated = rotateHistory(provider, device.history, device.identityKey, provider.signature.generateKeyPair(), NOW + 1);
  const histories = [encodeHistory(device.history), encodeHistory(rotated)];
  const w = new ByteWriter();
  writeAttestation(w, device.attestation);
  const attestation = w.finish();

  it('history: fuzzed, every truncation and corruption fails typed', () => {
    fuzzDecoder(decodeHistory, histories, { maxLength: 400 });
    for (const h of histories) {
      checkEveryTruncation(decodeHistory, h);
      checkEveryCorruption(decodeHistory, h);
    }
  });

  it('attestation: fuzzed, every truncation and corruption fails typed', () => {
    fuzzDecoder(decodeAttestation, [attestation], { maxLength: 100 });
    checkEveryTruncation(decodeAttestation, attestation);
    checkEveryCorruption(decodeAttestation, attestation);
  });
});

describe('identity payloads against the handshake budget', () => {
  it('first contact <= 450 bytes (with a 16-byte ticket), known peers <= 250 bytes', () => {
    const device = createIdentity(provider, NOW, NOW + 86400);
    const cloud = createIdentity(provider, NOW, NOW + 86400);
    const ticket = [payloadExtension(Extension.ENROLLMENT_TICKET, provider.random(16))];
    const full = encodePayload(fullPayload(device)).length;
    const fullWithTicket = encodePayload(fullPayload(device, ticket)).length;
    const reference = encodePayload(referencePayload(device)).length;
    const firstContact = NOISE_XX_OVERHEAD + HELLO + encodePayload(fullPayload(cloud)).length + fullWithTicket;
    const known = NOISE_XX_OVERHEAD + HELLO + 2 * reference;
    console.log(`    FULL ${full} B, FULL+ticket ${fullWithTicket} B, REFERENCE ${reference} B; handshake: first contact ${firstContact} B, known peers ${known} B`);
    assert.ok(firstContact <= 450, `first contact ${firstContact} > 450`);
    assert.ok(known <= 250, `known-peer handshake ${known} > 250`);
  });
});

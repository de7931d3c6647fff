/**
 * An identity's change history (Ockam's model, trimmed): the first change names the first
 * Ed25519 key; each later change names a new key and is signed by the previous key and by the
 * new one. The identifier is a hash of the encoded first change, so it survives rotation.
 *
 *   history      = count (u8, 1..8) || change[0] || change[1..]
 *   change[0]    = key (32) || created (u32 seconds)                        36 bytes
 *   change[i>0]  = key (32) || created (u32) || sigPrevious (64) || sigNew (64)   164 bytes
 *   signed(i)    = "burrow/change/v1" || identifier (20) || i (u8) || key || created
 *
 * The first change carries no self-signature: it proves nothing the attestation does not
 * already prove (possession of the key), and it would cost 64 bytes in every first contact.
 */
import { concatBytes, equalBytes, utf8Encode } from '../bytes.ts';
import { IdentityError } from '../errors.ts';
import type { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import { ByteReader, ByteWriter, expectValue } from '../wire.ts';
import { IDENTIFIER_BYTES, identifierOf } from './identifier.ts';

// Our limits.
/** Rotations one identity may carry: 8 changes keep a full history under 1.2 KB. */
export const MAX_CHANGES = 8;

export interface Change {
  readonly key: Uint8Array;
  readonly created: number;
  readonly sigPrevious?: Uint8Array;
  readonly sigNew?: Uint8Array;
}

export interface History {
  readonly changes: readonly Change[];
}

const CHANGE_LABEL = /* @__PURE__ */ utf8Encode('burrow/change/v1');

function changeSignedBytes(identifier: Uint8Array, index: number, change: Change): Uint8Array {
  return concatBytes(CHANGE_LABEL, identifier, Uint8Array.of(index), change.key, new ByteWriter().u32(change.created).finish());
}

export function encodeFirstChange(change: Change): Uint8Array {
  return new ByteWriter().bytes(change.key).u32(change.created).finish();
}

export function encodeHistory(history: History): Uint8Array {
  const w = new ByteWriter().u8(history.changes.length);
  history.changes.forEach((c, i) => {
    w.bytes(c.key).u32(c.created);
    if (i > 0) w.bytes(c.sigPrevious!).bytes(c.sigNew!);
  });
  return w.finish();
}

export function readHistory(r: ByteReader): History {
  const count = r.u8();
  expectValue(count >= 1 && count <= MAX_CHANGES, 'history: change count out of range');
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) {
    const key = r.bytesOf(32);
    const created = r.u32();
    changes.push(i === 0 ? { key, created } : { key, created, sigPrevious: r.bytesOf(64), sigNew: r.bytesOf(64) });
  }
  return { changes };
}

export function historyIdentifier(provider: CryptoProvider, history: History): Uint8Array {
  return identifierOf(provider, encodeFirstChange(history.changes[0]!));
}

/** Walks the chain; returns the identifier and the current key, or IDENTITY_BAD_SIGNATURE. */
export function verifyHistory(provider: CryptoProvider, history: History): { identifier: Uint8Array; currentKey: Uint8Array } {
  const identifier = historyIdentifier(provider, history);
  const sig = provider.signature;
  for (let i = 1; i < history.changes.length; i++) {
    const previous = history.changes[i - 1]!;
    const change = history.changes[i]!;
    const signed = changeSignedBytes(identifier, i, change);
    if (!sig.verify(previous.key, signed, change.sigPrevious!) || !sig.verify(change.key, signed, change.sigNew!)) {
      throw new IdentityError('IDENTITY_BAD_SIGNATURE', `identity change ${i} is not signed by both keys`);
    }
    if (change.created < previous.created || equalBytes(change.key, previous.key)) {
      throw new IdentityError('IDENTITY_BAD_SIGNATURE', `identity change ${i} does not move forward`);
    }
  }
  return { identifier, currentKey: history.changes[history.changes.length - 1]!.key };
}

/** A new history with one more change, signed by the current and the new key. */
export function rotateHistory(provider: CryptoProvider, history: History, current: KeyPair, next: KeyPair, created: number): History {
  if (history.changes.length >= MAX_CHANGES) throw new IdentityError('IDENTITY_BAD_SIGNATURE', 'identity history is full');
  const identifier = historyIdentifier(provider, history);
  const unsigned: Change = { key: next.publicKey, created };
  const signed = changeSignedBytes(identifier, history.changes.length, unsigned);
  const change: Change = { ...unsigned, sigPrevious: provider.signature.sign(current, signed), sigNew: provider.signature.sign(next, signed) };
  return { changes: [...history.changes, change] };
}

export { IDENTIFIER_BYTES };

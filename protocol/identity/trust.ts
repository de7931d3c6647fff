/**
 * Trust policies decide which verified identifiers may talk to us, and the peer cache lets a
 * repeat handshake skip Ed25519 verification (seconds on an ESP32). Policies are synchronous so
 * the handshake state machine stays synchronous; an enrollment lookup in the cloud is a
 * synchronous registry query.
 */
import { equalBytes, toHex } from '../bytes.ts';
import type { Attestation } from './attestation.ts';
import { formatIdentifier, parseIdentifier } from './identifier.ts';
import type { PayloadExtension } from './payload.ts';

export interface VerifiedPeer {
  readonly identifier: Uint8Array;
  /** 'I' + 40 hex. */
  readonly id: string;
  readonly identityKey: Uint8Array;
  readonly staticKey: Uint8Array;
  readonly attestation: Attestation;
  readonly extensions: readonly PayloadExtension[];
  /** True when the peer was resolved from the cache (a REFERENCE payload or a repeat FULL one). */
  readonly fromCache: boolean;
}

export interface TrustPolicy {
  /** Decides for one verified peer. */
  trusts(peer: VerifiedPeer): boolean;
  /**
   * Whether this policy holds when the local clock is unknown (expiry cannot be checked). Only
   * a pinned anchor does: a device without a set clock trusts the one identity its firmware was
   * built with, whose attestation the operator controls.
   */
  readonly withoutClock: boolean;
}

export function allowList(ids: readonly string[]): TrustPolicy {
  const allowed = new Set(ids.map((id) => toHex(parseIdentifier(id))));
  return { trusts: (peer) => allowed.has(toHex(peer.identifier)), withoutClock: false };
}

export function pinnedAnchor(id: string): TrustPolicy {
  const anchor = parseIdentifier(id);
  return { trusts: (peer) => equalBytes(peer.identifier, anchor), withoutClock: true };
}

export function trustCallback(decide: (peer: VerifiedPeer) => boolean): TrustPolicy {
  return { trusts: decide, withoutClock: false };
}

export function anyOf(...policies: TrustPolicy[]): TrustPolicy {
  return {
    trusts: (peer) => policies.some((p) => p.trusts(peer)),
    withoutClock: policies.every((p) => p.withoutClock),
  };
}

// Our limits.
/** Peers remembered per process: 16 on a device is plenty (it talks to one cloud); the cloud
 *  passes its fleet size. */
export const DEFAULT_CACHE_SIZE = 16;

/** Verified peers keyed by static key, least recently used evicted first. */
export class PeerCache {
  private readonly peers = new Map<string, VerifiedPeer>();
  constructor(private readonly capacity = DEFAULT_CACHE_SIZE) {}

  get(staticKey: Uint8Array): VerifiedPeer | undefined {
    const key = toHex(staticKey);
    const peer = this.peers.get(key);
    if (peer) {
      this.peers.delete(key);
      this.peers.set(key, peer);
    }
    return peer;
  }

  put(peer: VerifiedPeer): void {
    const key = toHex(peer.staticKey);
    this.peers.delete(key);
    this.peers.set(key, peer);
    if (this.peers.size > this.capacity) this.peers.delete(this.peers.keys().next().value!);
  }

  /** Forgets every cached key of an identifier (revocation). */
  forget(identifier: Uint8Array): void {
    for (const [key, peer] of this.peers) if (equalBytes(peer.identifier, identifier)) this.peers.delete(key);
  }

  get size(): number {
    return this.peers.size;
  }
}

export const describePeer = (peer: VerifiedPeer): string => formatIdentifier(peer.identifier);

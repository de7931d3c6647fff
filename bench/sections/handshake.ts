/**
 * Handshakes per core with identity checks (the secure-channel handshake: Noise XX, identity
 * payloads, attestation verification, trust policy; no peer cache, so every handshake verifies
 * a signature), per backend, beside the ceiling the raw public-key operations allow. Then the
 * known-peer handshake a reconnecting device makes (peer caches, identities by reference: no
 * signature to verify), beside the same ceiling without the verify.
 */
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../../protocol/crypto/noble/index.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { createIdentity } from '../../protocol/identity/identity.ts';
import { allowList, PeerCache, pinnedAnchor } from '../../protocol/identity/trust.ts';
import { InitiatorHandshake, ResponderHandshake, type HandshakeConfig } from '../../protocol/secure-channel/handshake.ts';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { CpuStopwatch, perCoreSecondEach, type BenchReport } from '../report.ts';

const NOW = Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

function configs(provider: CryptoProvider): { device: HandshakeConfig; cloud: HandshakeConfig } {
  const device = createIdentity(provider, NOW - 10, NOW + 86400);
  const cloud = createIdentity(provider, NOW - 10, NOW + 86400);
  return {
    device: { provider, identity: device, policy: pinnedAnchor(cloud.id), now: () => NOW },
    cloud: { provider, identity: cloud, policy: allowList([device.id]), now: () => NOW },
  };
}

/** One public-key operation mix, as the responder does it: keygen + 3 DH (+ 1 verify). */
function responderCeiling(provider: CryptoProvider, withVerify: boolean): () => void {
  const a = provider.dh.generateKeyPair();
  const b = provider.dh.generateKeyPair();
  const signer = provider.signature.generateKeyPair();
  const message = random(100);
  const signature = provider.signature.sign(signer, message);
  return () => {
    provider.dh.generateKeyPair();
    provider.dh.dh(a, b.publicKey);
    provider.dh.dh(a, b.publicKey);
    provider.dh.dh(a, b.publicKey);
    if (withVerify) provider.signature.verify(signer.publicKey, message, signature);
  };
}

/** Repeated handshakes between two configs, the responder's share of the CPU timed apart. */
class HandshakeLoop {
  private responderTime = new CpuStopwatch();
  private count = 0;

  constructor(
    private readonly device: HandshakeConfig,
    private readonly cloud: HandshakeConfig,
    private readonly known: boolean,
  ) {}

  readonly step = (): void => {
    const initiator = new InitiatorHandshake(this.device, { knowsResponder: this.known, sendReference: this.known });
    const m1 = initiator.start();
    const responder = this.responderTime.time(() => new ResponderHandshake(this.cloud));
    const m2 = this.responderTime.time(() => responder.receiveHello(m1));
    const m3 = initiator.receive(m2).reply;
    const { peer } = this.responderTime.time(() => responder.receiveFinish(m3));
    // The figure means what it says only if the cache path really ran (or really did not).
    if (peer.fromCache !== this.known) throw new Error(`bench: expected fromCache ${this.known}`);
    this.count++;
  };

  /** Forgets the warm-up: the figure counts measured handshakes only. */
  reset(): void {
    this.responderTime = new CpuStopwatch();
    this.count = 0;
  }

  get responderPerSecond(): number {
    return (this.count * 1e6) / this.responderTime.micros;
  }
}

export function benchHandshakes(report: BenchReport, ms: number): void {
  report.section('Handshakes (Noise XX + identities + attestation check, per core)');
  for (const provider of [nodeCryptoProvider(random), nobleProvider(random)]) {
    const { device, cloud } = configs(provider);
    const first = new HandshakeLoop(device, cloud, false);
    const knownDevice: HandshakeConfig = { ...device, cache: new PeerCache() };
    const knownCloud: HandshakeConfig = { ...cloud, cache: new PeerCache() };
    // Prime both caches with one first contact, as a device's first connection would.
    new HandshakeLoop(knownDevice, knownCloud, false).step();
    const known = new HandshakeLoop(knownDevice, knownCloud, true);
    // The handshakes and their ceilings take turns, so all see the same machine.
    const [full, , ceiling, ceilingNoVerify] = perCoreSecondEach(
      [first.step, known.step, responderCeiling(provider, true), responderCeiling(provider, false)],
      ms,
      { onStart: () => { first.reset(); known.reset(); } },
    ) as [number, number, number, number];
    const key = provider.name === 'node:crypto' ? 'node' : 'noble';
    report.add({ name: `handshake.${key}.full_per_core_s`, value: full, unit: 'handshakes/s (both ends)', ceiling: { name: 'raw pk ops (2 ends)', value: ceiling / 2 } });
    report.add({
      name: `handshake.${key}.responder_per_core_s`,
      value: first.responderPerSecond,
      unit: 'handshakes/s (responder)',
      ceiling: { name: 'raw keygen+3DH+verify', value: ceiling },
      ...(key === 'node' ? { goal: '>= 1500' } : {}),
    });
    report.add({
      name: `handshake.${key}.responder_known_peer_per_core_s`,
      value: known.responderPerSecond,
      unit: 'handshakes/s (responder, cached peer)',
      ceiling: { name: 'raw keygen+3DH', value: ceilingNoVerify },
    });
  }
}

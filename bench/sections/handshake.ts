/**
 * Handshakes per core with identity checks (the secure-channel handshake: Noise XX, identity
 * payloads, attestation verification, trust policy; no peer cache, so every handshake verifies
 * a signature), per backend, beside the ceiling the raw public-key operations allow.
 */
import { randomBytes } from 'node:crypto';
import { nobleProvider } from '../../protocol/crypto/noble/index.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { createIdentity } from '../../protocol/identity/identity.ts';
import { allowList, pinnedAnchor } from '../../protocol/identity/trust.ts';
import { InitiatorHandshake, ResponderHandshake, type HandshakeConfig } from '../../protocol/secure-channel/handshake.ts';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { CpuStopwatch, perCoreSecond, type BenchReport } from '../report.ts';

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

/** Time of one public-key operation mix, as the responder does it: keygen + 3 DH + 1 verify. */
function responderCeiling(provider: CryptoProvider, ms: number): number {
  const a = provider.dh.generateKeyPair();
  const b = provider.dh.generateKeyPair();
  const signer = provider.signature.generateKeyPair();
  const message = random(100);
  const signature = provider.signature.sign(signer, message);
  return perCoreSecond(() => {
    provider.dh.generateKeyPair();
    provider.dh.dh(a, b.publicKey);
    provider.dh.dh(a, b.publicKey);
    provider.dh.dh(a, b.publicKey);
    provider.signature.verify(signer.publicKey, message, signature);
  }, ms);
}

export function benchHandshakes(report: BenchReport, ms: number): void {
  report.section('Handshakes (Noise XX + identities + attestation check, per core)');
  for (const provider of [nodeCryptoProvider(random), nobleProvider(random)]) {
    const { device, cloud } = configs(provider);
    const responderTime = new CpuStopwatch();
    let count = 0;
    const full = perCoreSecond(() => {
      const initiator = new InitiatorHandshake(device);
      const m1 = initiator.start();
      const responder = responderTime.time(() => new ResponderHandshake(cloud));
      const m2 = responderTime.time(() => responder.receiveHello(m1));
      const m3 = initiator.receive(m2).reply;
      responderTime.time(() => responder.receiveFinish(m3));
      count++;
    }, ms);
    const key = provider.name === 'node:crypto' ? 'node' : 'noble';
    const ceiling = responderCeiling(provider, ms / 2);
    report.add({ name: `handshake.${key}.full_per_core_s`, value: full, unit: 'handshakes/s (both ends)', ceiling: { name: 'raw pk ops (2 ends)', value: ceiling / 2 } });
    report.add({
      name: `handshake.${key}.responder_per_core_s`,
      value: (count * 1e6) / responderTime.micros,
      unit: 'handshakes/s (responder)',
      ceiling: { name: 'raw keygen+3DH+verify', value: ceiling },
      ...(key === 'node' ? { goal: '>= 1500' } : {}),
    });
  }
}

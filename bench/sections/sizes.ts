/** Bytes on the wire: each handshake message (first contact and known peer) and the channel's
 *  per-message overhead, beside the budgets and Ockam's first-contact size. */
import { randomBytes } from 'node:crypto';
import { MessageType } from '../../protocol/channel/transport.ts';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { handshake, makeParties } from '../../test/portable/secure-channel.suite.ts';
import type { BenchReport } from '../report.ts';

/** Ockam's XX first contact with its identity and credential payloads, as measured by Ockam's
 *  own docs and issue threads: about 840 bytes. A reference point, not measured here. */
const OCKAM_FIRST_CONTACT = 840;

export function benchSizes(report: BenchReport): void {
  report.section('Wire sizes (bytes)');
  const provider = nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
  const parties = makeParties(provider);
  const first = handshake(provider, parties);
  const known = handshake(provider, parties, { known: true });
  first.sizes.forEach((s, i) => report.add({ name: `handshake.first_contact.message${i + 1}_bytes`, value: s, unit: 'B' }));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  report.add({ name: 'handshake.first_contact.total_bytes', value: sum(first.sizes), unit: 'B', ceiling: { name: 'Ockam first contact', value: OCKAM_FIRST_CONTACT }, goal: '<= 450' });
  known.sizes.forEach((s, i) => report.add({ name: `handshake.known_peer.message${i + 1}_bytes`, value: s, unit: 'B' }));
  report.add({ name: 'handshake.known_peer.total_bytes', value: sum(known.sizes), unit: 'B', goal: '<= 250' });
  const overhead = first.device.channel.encrypt(MessageType.PAYLOAD, new Uint8Array(100)).length - 100;
  report.add({ name: 'channel.overhead_bytes', value: overhead, unit: 'B/message', goal: '<= 28' });
}

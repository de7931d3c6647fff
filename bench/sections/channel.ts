/**
 * Channel encrypt + decrypt throughput beside raw node:crypto ChaCha20-Poly1305 on the same
 * bytes, and the per-message overhead. A 16 KiB payload exceeds one channel message (bodies
 * are bounded for the device's sake), so it travels as several maximum-size messages.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MessageType } from '../../protocol/channel/transport.ts';
import { MAX_CHANNEL_BODY } from '../../protocol/channel/constants.ts';
import type { ChannelTransport } from '../../protocol/channel/transport.ts';
import { perCoreSecondEach, type BenchReport } from '../report.ts';

/** Raw ChaCha20-Poly1305 seal and open of each piece, no AD, no framing: the ceiling. */
function rawAeadRoundTrip(pieces: readonly Uint8Array[]): () => void {
  const key = randomBytes(32);
  let n = 0;
  return () => {
    for (const bytes of pieces) {
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32LE(n++, 4);
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      const sealed = Buffer.concat([c.update(bytes), c.final()]);
      const tag = c.getAuthTag();
      const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      d.setAuthTag(tag);
      d.update(sealed);
      d.final();
    }
  };
}

export function benchChannel(report: BenchReport, pair: () => [ChannelTransport, ChannelTransport], ms: number): void {
  report.section('Channel (encrypt + decrypt, node:crypto backend, per core)');
  for (const size of [64, 1024, 16384]) {
    const payload = new Uint8Array(randomBytes(size));
    const [a, b] = pair();
    const pieces: Uint8Array[] = [];
    for (let o = 0; o < size; o += MAX_CHANNEL_BODY) pieces.push(payload.subarray(o, o + MAX_CHANNEL_BODY));
    const channelRoundTrip = () => {
      for (const piece of pieces) b.decrypt(a.encrypt(MessageType.PAYLOAD, piece));
    };
    // The channel and its ceiling take turns, so both see the same machine.
    const split = pieces.length > 1;
    const [channel, raw, rawSplit] = perCoreSecondEach([channelRoundTrip, rawAeadRoundTrip([payload]), ...(split ? [rawAeadRoundTrip(pieces)] : [])], ms);
    report.add({
      name: `channel.roundtrip_${size}B_MBps`,
      value: (channel! * size) / 1e6,
      unit: 'MB/s',
      ceiling: { name: 'raw node AEAD', value: (raw! * size) / 1e6 },
      ...(size === 1024 ? { goal: '>= 0.7x' } : {}),
    });
    // Above one message's body the channel must send several messages, each paying the AEAD's
    // fixed cost (a cipher context per call). This shows how much of the gap that alone makes.
    if (split) {
      report.add({
        name: `channel.raw_aead_${size}B_in_${pieces.length}_messages_MBps`,
        value: (rawSplit! * size) / 1e6,
        unit: 'MB/s',
        ceiling: { name: 'raw node AEAD in one call', value: (raw! * size) / 1e6 },
      });
    }
  }
}

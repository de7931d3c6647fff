/**
 * Channel encrypt + decrypt throughput beside raw node:crypto ChaCha20-Poly1305 on the same
 * bytes, and the per-message overhead. A 16 KiB payload exceeds one channel message (bodies
 * are bounded for the device's sake), so it travels as several maximum-size messages.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MessageType } from '../../protocol/channel/transport.ts';
import { MAX_CHANNEL_BODY } from '../../protocol/channel/constants.ts';
import type { ChannelTransport } from '../../protocol/channel/transport.ts';
import { perCoreSecond, type BenchReport } from '../report.ts';

function rawAeadRoundTrip(bytes: Uint8Array): () => void {
  const key = randomBytes(32);
  let n = 0;
  return () => {
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32LE(n++, 4);
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const sealed = Buffer.concat([c.update(bytes), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAuthTag(tag);
    d.update(sealed);
    d.final();
  };
}

export function benchChannel(report: BenchReport, pair: () => [ChannelTransport, ChannelTransport], ms: number): void {
  report.section('Channel (encrypt + decrypt, node:crypto backend, per core)');
  for (const size of [64, 1024, 16384]) {
    const payload = new Uint8Array(randomBytes(size));
    const [a, b] = pair();
    const pieces: Uint8Array[] = [];
    for (let o = 0; o < size; o += MAX_CHANNEL_BODY) pieces.push(payload.subarray(o, o + MAX_CHANNEL_BODY));
    const channel = perCoreSecond(() => {
      for (const piece of pieces) b.decrypt(a.encrypt(MessageType.PAYLOAD, piece));
    }, ms);
    const raw = perCoreSecond(rawAeadRoundTrip(payload), ms);
    report.add({
      name: `channel.roundtrip_${size}B_MBps`,
      value: (channel * size) / 1e6,
      unit: 'MB/s',
      ceiling: { name: 'raw node AEAD', value: (raw * size) / 1e6 },
      ...(size === 1024 ? { goal: '>= 0.7x' } : {}),
    });
  }
}

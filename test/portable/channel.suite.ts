/**
 * The channel's transport phase, as a function of the provider so it runs on Node and XS:
 * reordering inside the window, replay and forgery rejection, loss across many key epochs,
 * reordering across an epoch boundary, and close.
 */
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { ChannelTransport, MessageType, REKEY_INTERVAL } from '../../protocol/channel/transport.ts';
import { REPLAY_WINDOW } from '../../protocol/channel/replay-window.ts';
import { seededRandom } from './seeded-random.ts';
import { check, checkEqual, checkThrowsCode, type Suite } from './suite.ts';

/** Two ends of one channel, as split() would leave them. */
export function channelPair(provider: CryptoProvider, maxEpochSkip?: number): [ChannelTransport, ChannelTransport] {
  const k1 = provider.random(32);
  const k2 = provider.random(32);
  const h = provider.random(32);
  const cipher = provider.cipher('ChaChaPoly');
  const skip = maxEpochSkip === undefined ? {} : { maxEpochSkip };
  return [
    new ChannelTransport({ cipher, sendKey: k1, receiveKey: k2, binding: h, ...skip }),
    new ChannelTransport({ cipher, sendKey: k2, receiveKey: k1, binding: h, ...skip }),
  ];
}

/** Deterministic Fisher-Yates over a seeded source, moving items at most `span` places. */
function localShuffle<T>(items: T[], span: number, seed: number): T[] {
  const random = seededRandom(seed);
  const out = items.slice();
  for (let i = 0; i < out.length; i++) {
    const j = Math.min(out.length - 1, i + (random(1)[0]! % span));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const body = (i: number) => Uint8Array.of(i & 255, (i >> 8) & 255, 7);

export function channelSuite(provider: CryptoProvider): Suite {
  return {
    name: `channel transport (${provider.name})`,
    cases: [
      {
        name: '1,000 messages reordered within the window arrive exactly once; replays refused',
        run() {
          const [a, b] = channelPair(provider);
          const wires = Array.from({ length: 1000 }, (_, i) => a.encrypt(MessageType.PAYLOAD, body(i)));
          const seen = new Set<number>();
          for (const w of localShuffle(wires, 200, 42)) {
            const m = b.decrypt(w);
            check(!seen.has(m.nonce), 'delivered twice');
            seen.add(m.nonce);
            checkEqual(m.body[0]! | (m.body[1]! << 8), m.nonce, 'body matches its counter');
          }
          checkEqual(seen.size, 1000, 'all delivered');
          for (const i of [0, 500, 999]) checkThrowsCode(() => b.decrypt(wires[i]!), 'CHANNEL_REPLAY', `replay of ${i}`);
          checkEqual(b.counters.rejectedReplay, 3, 'replays counted');
        },
      },
      {
        name: 'a message older than the window is refused as too old',
        run() {
          const [a, b] = channelPair(provider);
          const first = a.encrypt(MessageType.PAYLOAD, body(0));
          let last = first;
          for (let i = 1; i <= REPLAY_WINDOW; i++) last = a.encrypt(MessageType.PAYLOAD, body(i));
          b.decrypt(last);
          checkThrowsCode(() => b.decrypt(first), 'CHANNEL_TOO_OLD', 'counter 0 after counter 2048');
        },
      },
      {
        name: 'a forged or corrupted message is refused and moves nothing',
        run() {
          const [a, b] = channelPair(provider);
          const w = a.encrypt(MessageType.PAYLOAD, body(1));
          for (const i of [0, 7, 8, 9, w.length - 1]) {
            const bad = w.slice();
            bad[i] = bad[i]! ^ 1;
            let refused = false;
            try { b.decrypt(bad); } catch { refused = true; }
            check(refused, `corruption at byte ${i} refused`);
          }
          checkEqual(b.decrypt(w).nonce, 0, 'the genuine message still opens');
        },
      },
      {
        name: 'losing messages across many key epochs never stalls the channel',
        run() {
          const [a, b] = channelPair(provider);
          b.decrypt(a.encrypt(MessageType.PAYLOAD, body(0)));
          // Pretend 5.5 epochs of messages were lost on the way: the sender rekeys on schedule.
          (a as unknown as { sendNonce: number }).sendNonce = Math.floor(5.5 * REKEY_INTERVAL);
          const far = a.encrypt(MessageType.PAYLOAD, body(3));
          checkEqual(b.decrypt(far).nonce, Math.floor(5.5 * REKEY_INTERVAL), 'far message opens');
          checkEqual(b.decrypt(a.encrypt(MessageType.PAYLOAD, body(4))).body[0], 4, 'and the next');
        },
      },
      {
        name: 'reordering across an epoch boundary works; forged far-future counters cost bounded work',
        run() {
          const [a, b] = channelPair(provider, 8);
          (a as unknown as { sendNonce: number }).sendNonce = REKEY_INTERVAL - 3;
          const wires = Array.from({ length: 6 }, (_, i) => a.encrypt(MessageType.PAYLOAD, body(i)));
          for (const i of [5, 4, 0, 3, 1, 2]) b.decrypt(wires[i]!);
          checkEqual(b.counters.received, 6, 'all six across the boundary');
          const forged = wires[0]!.slice();
          forged.set([0, 0, 0, 0, 0x7f, 0, 0, 0]); // epoch far beyond maxEpochSkip
          checkThrowsCode(() => b.decrypt(forged), 'CHANNEL_TOO_OLD', 'far-future counter refused');
        },
      },
      {
        name: 'close is authenticated and final on both ends',
        run() {
          const [a, b] = channelPair(provider);
          const bye = a.encrypt(MessageType.CLOSE, new Uint8Array(0));
          checkEqual(a.state, 'closed', 'sender closed');
          checkEqual(b.decrypt(bye).type, MessageType.CLOSE, 'close received');
          checkEqual(b.state, 'closed', 'receiver closed');
          checkThrowsCode(() => a.encrypt(MessageType.PAYLOAD, body(0)), 'CHANNEL_CLOSED', 'no send after close');
          checkThrowsCode(() => b.decrypt(bye), 'CHANNEL_CLOSED', 'no receive after close');
        },
      },
      {
        name: 'oversize bodies and short messages are refused',
        run() {
          const [a, b] = channelPair(provider);
          checkThrowsCode(() => a.encrypt(MessageType.PAYLOAD, new Uint8Array(4001)), 'CHANNEL_OVERSIZE', 'oversize body');
          checkThrowsCode(() => b.decrypt(new Uint8Array(24)), 'CHANNEL_MALFORMED', 'short message');
        },
      },
    ],
  };
}

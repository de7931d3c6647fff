/**
 * The channel's transport phase as a function of the provider, so the same cases run on Node
 * (both backends) and on XS: the wire format against a hand-built message, reordering and
 * replay, the window's edges, forgeries that must move nothing, loss across many key epochs,
 * reordering across an epoch boundary, close, nonce exhaustion, idle time and the limits.
 */
import { toHex } from '../../protocol/bytes.ts';
import type { CipherFunctions, CryptoProvider } from '../../protocol/crypto/provider.ts';
import {
  CHANNEL_OVERHEAD,
  MAX_CHANNEL_BODY,
  MAX_CHANNEL_MESSAGE,
  MAX_COUNTER,
  MessageType,
  REKEY_INTERVAL,
  REPLAY_WINDOW,
  RESERVED_TYPE,
} from '../../protocol/channel/constants.ts';
import { encodeHeader } from '../../protocol/channel/codec.ts';
import { ReplayWindow } from '../../protocol/channel/replay-window.ts';
import { ChannelTransport, type ChannelOptions } from '../../protocol/channel/transport.ts';
import { seededRandom } from '../../simulators/xs/random.ts';
import { check, checkBytes, checkEqual, checkThrowsCode, type Suite } from './suite.ts';

/** Both ends of one channel as split() leaves them, plus the raw material to forge with. */
export interface ChannelFixture {
  readonly a: ChannelTransport;
  readonly b: ChannelTransport;
  /** a's send key (b's receive key), b's send key, the handshake hash. */
  readonly kAB: Uint8Array;
  readonly kBA: Uint8Array;
  readonly h: Uint8Array;
  readonly cipher: CipherFunctions;
}

export function channelPair(provider: CryptoProvider, options: ChannelOptions = {}, cipher?: CipherFunctions): ChannelFixture {
  const kAB = provider.random(32);
  const kBA = provider.random(32);
  const h = provider.random(32);
  const c = cipher ?? provider.cipher('ChaChaPoly');
  return {
    a: new ChannelTransport({ cipher: c, sendKey: kAB, receiveKey: kBA, binding: h }, options),
    b: new ChannelTransport({ cipher: c, sendKey: kBA, receiveKey: kAB, binding: h }, options),
    kAB, kBA, h, cipher: c,
  };
}

/** A message built from the spec alone: counter || ENCRYPT(k, n, h || counter, type || body). */
function sealByHand(cipher: CipherFunctions, k: Uint8Array, h: Uint8Array, n: number, plaintext: Uint8Array): Uint8Array {
  const header = encodeHeader(n);
  const ad = new Uint8Array(h.length + 8);
  ad.set(h);
  ad.set(header, h.length);
  const sealed = cipher.encrypt(k, n, ad, plaintext);
  const wire = new Uint8Array(8 + sealed.length);
  wire.set(header);
  wire.set(sealed, 8);
  return wire;
}

/** REKEY applied e times (Noise §11.3): the key of epoch e. */
function epochKey(cipher: CipherFunctions, k: Uint8Array, e: number): Uint8Array {
  let key = k;
  for (let i = 0; i < e; i++) key = cipher.rekey(key);
  return key;
}

/** A cipher that counts its REKEYs, to measure the work a message causes. */
function countingRekeys(cipher: CipherFunctions): { cipher: CipherFunctions; count(): number } {
  let rekeys = 0;
  return {
    cipher: { name: cipher.name, encrypt: cipher.encrypt, decrypt: cipher.decrypt, rekey: (k) => { rekeys++; return cipher.rekey(k); } },
    count: () => rekeys,
  };
}

/** Seeded uniform-enough integers in [0, bound), drawn 64 at a time (a SHA-256 per 8 on XS). */
function seededInts(seed: number): (bound: number) => number {
  const random = seededRandom(seed);
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (bound) => {
    if (at === pool.length) {
      pool = random(256);
      at = 0;
    }
    const v = ((pool[at]! << 24) | (pool[at + 1]! << 16) | (pool[at + 2]! << 8) | pool[at + 3]!) >>> 0;
    at += 4;
    return v % bound;
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const next = seededInts(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = next(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Refused, with this code, and nothing accepted. */
function refused(fn: () => unknown, code: string, what: string): void {
  checkThrowsCode(fn, code, what);
}

const body = (i: number) => Uint8Array.of(i & 255, (i >> 8) & 255, (i >> 16) & 255);
const bodyIndex = (b: Uint8Array) => b[0]! | (b[1]! << 8) | (b[2]! << 16);
const send = (t: ChannelTransport, i: number) => t.encrypt(MessageType.PAYLOAD, body(i));

export function channelSuite(provider: CryptoProvider): Suite {
  return {
    name: `channel transport (${provider.name})`,
    cases: [
      {
        name: 'wire format: counter || ENCRYPT(k, n, h || counter, type || body), 25 bytes of overhead',
        run() {
          const { a, b, kAB, h, cipher } = channelPair(provider);
          const first = send(a, 0x010203);
          checkEqual(first.length, 3 + CHANNEL_OVERHEAD, 'overhead');
          checkEqual(CHANNEL_OVERHEAD, 25, 'overhead is 8 + 16 + 1');
          checkBytes(first, sealByHand(cipher, kAB, h, 0, Uint8Array.of(MessageType.PAYLOAD, 3, 2, 1)), 'message 0');
          a.discardSendNonces(2 * REKEY_INTERVAL + 4);
          const later = send(a, 9);
          checkBytes(later.subarray(0, 8), Uint8Array.of(0, 0, 0, 0, 0, 0, 0x20, 0x05), 'big-endian counter 8197');
          checkBytes(later, sealByHand(cipher, epochKey(cipher, kAB, 2), h, 8197, Uint8Array.of(0, 9, 0, 0)), 'epoch 2 uses REKEY(REKEY(k))');
          checkEqual(b.decrypt(sealByHand(cipher, kAB, h, 5, Uint8Array.of(1, 0xee))).type, MessageType.CLOSE, 'hand-built close opens');
        },
      },
      {
        name: '1,000 messages in seeded random order, 300 of them duplicated: each accepted exactly once',
        run() {
          const { a, b } = channelPair(provider);
          const wires = Array.from({ length: 1000 }, (_, i) => send(a, i));
          const pick = seededInts(7);
          const duplicates = Array.from({ length: 300 }, () => wires[pick(1000)]!);
          const seen = new Set<number>();
          let replays = 0;
          for (const w of shuffle([...wires, ...duplicates], 42)) {
            try {
              const m = b.decrypt(w);
              check(!seen.has(m.nonce), `counter ${m.nonce} accepted twice`);
              checkEqual(bodyIndex(m.body), m.nonce, 'body matches its counter');
              seen.add(m.nonce);
            } catch (e) {
              checkEqual((e as { code?: string }).code, 'CHANNEL_REPLAY', 'only replays are refused');
              replays++;
            }
          }
          checkEqual(seen.size, 1000, 'all delivered');
          checkEqual(replays, 300, 'every duplicate refused');
          checkEqual(b.counters.received, 1000, 'received counter');
          checkEqual(b.counters.rejectedReplay, 300, 'replay counter');
          for (const i of [0, 517, 999]) refused(() => b.decrypt(wires[i]!), 'CHANNEL_REPLAY', `late replay of ${i}`);
        },
      },
      {
        name: `the window is ${REPLAY_WINDOW} wide: the oldest counter inside opens, one older is too old`,
        run() {
          check(REPLAY_WINDOW >= 1024, 'window at least 1024');
          check(REKEY_INTERVAL >= REPLAY_WINDOW, 'window never spans more than two epochs');
          const { a, b } = channelPair(provider);
          const oldest = [send(a, 0), send(a, 1)];
          a.discardSendNonces(REPLAY_WINDOW - 2);
          checkEqual(b.decrypt(send(a, 2)).nonce, REPLAY_WINDOW, 'counter W');
          refused(() => b.decrypt(oldest[0]!), 'CHANNEL_TOO_OLD', 'counter 0 after counter W');
          checkEqual(b.decrypt(oldest[1]!).nonce, 1, 'counter 1 is the oldest inside');
          checkEqual(b.counters.rejectedTooOld, 1, 'too-old counter');
        },
      },
      {
        name: 'replay window against a naive model: random order, big jumps, small width',
        run() {
          const width = 64;
          const window = new ReplayWindow(width);
          const seen = new Set<number>();
          let top = -1;
          const next = seededInts(3);
          for (let step = 0; step < 5000; step++) {
            const r = next(100);
            const counter = r < 3 ? top + 1 + next(10 * width) : Math.max(0, top - next(width + 8) + next(12));
            const expected = counter > top ? 'ok' : top - counter >= width ? 'CHANNEL_TOO_OLD' : seen.has(counter) ? 'CHANNEL_REPLAY' : 'ok';
            let actual = 'ok';
            try { window.check(counter); } catch (e) { actual = String((e as { code?: string }).code); }
            checkEqual(actual, expected, `step ${step}, counter ${counter}, top ${top}`);
            if (actual === 'ok' && next(4) !== 0) { // sometimes "fail authentication": never accept
              window.accept(counter);
              seen.add(counter);
              top = Math.max(top, counter);
            }
          }
          checkEqual(window.highest, top, 'highest');
          refused(() => new ReplayWindow(100), 'CONFIG_INVALID', 'width must be a multiple of 32');
        },
      },
      {
        name: 'forged and corrupted messages are refused and move neither window nor keys',
        run() {
          const { a, b, kAB, h, cipher } = channelPair(provider);
          const genuine = send(a, 1);
          for (let i = 0; i < genuine.length; i++) {
            const bad = genuine.slice();
            bad[i] = bad[i]! ^ 0x80;
            let threw = false;
            try { b.decrypt(bad); } catch { threw = true; }
            check(threw, `corruption of byte ${i} refused`);
          }
          // Valid headers, wrong key: far past the window and in a later epoch.
          const wrongKey = new Uint8Array(32).fill(9);
          for (const n of [5000, 3 * REKEY_INTERVAL + 1]) {
            refused(() => b.decrypt(sealByHand(cipher, wrongKey, h, n, Uint8Array.of(0))), 'CRYPTO_DECRYPT_FAILED', `forged counter ${n}`);
          }
          // Another channel's binding, and a reflected message, under the right counters.
          refused(() => b.decrypt(sealByHand(cipher, kAB, new Uint8Array(32), 2, Uint8Array.of(0))), 'CRYPTO_DECRYPT_FAILED', 'other channel');
          refused(() => a.decrypt(genuine), 'CRYPTO_DECRYPT_FAILED', 'reflected to its sender');
          checkEqual(b.counters.received, 0, 'nothing accepted');
          checkEqual(b.receiveEpochs.join(), '0', 'keys did not move');
          checkEqual(b.decrypt(genuine, 5).nonce, 0, 'the genuine message still opens, counter 0 not too old');
          checkEqual(b.lastActivity, 5, 'only it counted as activity');
          check(b.counters.rejectedAuth >= 4, 'auth rejections counted');
        },
      },
      {
        name: 'losing 60 epochs of messages does not stall the channel; the sender rekeys on schedule',
        run() {
          const meter = countingRekeys(provider.cipher('ChaChaPoly'));
          const { a, b } = channelPair(provider, {}, meter.cipher);
          b.decrypt(send(a, 0));
          a.discardSendNonces(60 * REKEY_INTERVAL + 100);
          const far = send(a, 1);
          checkEqual(meter.count(), 60, 'the sender walked 60 epochs');
          checkEqual(b.decrypt(far).nonce, 60 * REKEY_INTERVAL + 101, 'far message opens');
          checkEqual(meter.count(), 120, 'and the receiver 60');
          checkEqual(b.receiveEpochs.join(), '60,59', 'epoch 59 kept: the window still reaches it');
          checkEqual(bodyIndex(b.decrypt(send(a, 2)).body), 2, 'the next one opens too');
          refused(() => b.decrypt(send(a, 3).fill(0, 0, 8)), 'CHANNEL_TOO_OLD', 'epoch 0 is gone');
        },
      },
      {
        name: 'a gap beyond maxEpochSkip is refused as too far and costs bounded work, once',
        run() {
          const meter = countingRekeys(provider.cipher('ChaChaPoly'));
          const { a, b, h, cipher } = channelPair(provider, { maxEpochSkip: 8 }, meter.cipher);
          const near = send(a, 0);
          a.discardSendNonces(9 * REKEY_INTERVAL);
          refused(() => b.decrypt(send(a, 1)), 'CHANNEL_TOO_FAR', 'nine epochs ahead');
          checkEqual(b.counters.rejectedTooFar, 1, 'too-far counter');
          const before = meter.count();
          const forged = sealByHand(cipher, new Uint8Array(32), h, 8 * REKEY_INTERVAL, Uint8Array.of(0));
          refused(() => b.decrypt(forged), 'CRYPTO_DECRYPT_FAILED', 'forged, eight epochs ahead');
          checkEqual(meter.count() - before, 8, 'at most maxEpochSkip REKEYs');
          refused(() => b.decrypt(forged), 'CRYPTO_DECRYPT_FAILED', 'the same forgery again');
          checkEqual(meter.count() - before, 8, 'costs no REKEY the second time');
          checkEqual(b.receiveEpochs.join(), '0', 'nothing committed');
          checkEqual(b.decrypt(near).nonce, 0, 'epoch 0 still opens');
          refused(() => new ChannelTransport({ cipher, sendKey: h, receiveKey: h, binding: h }, { maxEpochSkip: 0 }), 'CONFIG_INVALID', 'skip 0');
        },
      },
      {
        name: 'reordering across an epoch boundary; the old key is dropped exactly when the window leaves it',
        run() {
          const { a, b } = channelPair(provider);
          const start = REKEY_INTERVAL - 10;
          a.discardSendNonces(start);
          const wires = Array.from({ length: 21 }, (_, i) => send(a, start + i));
          const heldBack = wires[9]!; // counter REKEY_INTERVAL - 1, last of epoch 0
          for (const w of shuffle(wires.filter((w) => w !== heldBack), 11)) check(bodyIndex(b.decrypt(w).body) >= start, 'opens');
          checkEqual(b.receiveEpochs.join(), '1,0', 'both epochs held');
          a.discardSendNonces(REKEY_INTERVAL + REPLAY_WINDOW - 2 - a.nextNonce);
          const edge = send(a, 1);
          const past = send(a, 2);
          b.decrypt(edge); // counter I + W - 2: the window's oldest counter is I - 1
          checkEqual(b.receiveEpochs.join(), '1,0', 'epoch 0 still reachable');
          checkEqual(b.decrypt(heldBack).nonce, REKEY_INTERVAL - 1, 'the held-back epoch-0 message opens');
          b.decrypt(past); // counter I + W - 1: the window starts at I
          checkEqual(b.receiveEpochs.join(), '1', 'epoch 0 key dropped');
          checkEqual(b.counters.received, 23, 'all delivered');
        },
      },
      {
        name: 'close is authenticated and final on both ends; a forged close closes nothing',
        run() {
          const { a, b, kAB, h, cipher } = channelPair(provider);
          refused(() => b.decrypt(sealByHand(cipher, new Uint8Array(32), h, 0, Uint8Array.of(MessageType.CLOSE))), 'CRYPTO_DECRYPT_FAILED', 'forged close');
          checkEqual(b.state, 'open', 'still open');
          const fromB = send(b, 0);
          const inFlight = send(a, 1);
          const bye = a.encrypt(MessageType.CLOSE, Uint8Array.of(42));
          checkEqual(a.state, 'closed', 'sender closed');
          const m = b.decrypt(bye);
          checkEqual(m.type, MessageType.CLOSE, 'close received');
          checkEqual(m.body[0], 42, 'close body');
          checkEqual(b.state, 'closed', 'receiver closed');
          refused(() => a.encrypt(MessageType.PAYLOAD, body(0)), 'CHANNEL_CLOSED', 'no send after close');
          refused(() => a.decrypt(fromB), 'CHANNEL_CLOSED', 'no receive after sending close');
          refused(() => b.decrypt(inFlight), 'CHANNEL_CLOSED', 'no receive after close');
          refused(() => b.encrypt(MessageType.PAYLOAD, body(0)), 'CHANNEL_CLOSED', 'no reply after close');
          check(kAB.some((x) => x !== 0), "the caller's key was copied, not zeroed");
          const { a: c } = channelPair(provider);
          c.close();
          refused(() => send(c, 0), 'CHANNEL_CLOSED', 'local close');
        },
      },
      {
        name: 'nonce exhaustion is refused; the receive side goes on',
        run() {
          const { a, b } = channelPair(provider);
          b.decrypt(send(a, 0));
          a.discardSendNonces(MAX_COUNTER);
          checkEqual(a.nextNonce, MAX_COUNTER + 1, 'every counter used');
          refused(() => send(a, 1), 'CHANNEL_NONCE_EXHAUSTED', 'no counter left');
          a.discardSendNonces(5);
          checkEqual(a.nextNonce, MAX_COUNTER + 1, 'discarding saturates');
          checkEqual(a.state, 'open', 'still open');
          checkEqual(a.decrypt(send(b, 7)).nonce, 0, 'receiving still works');
          refused(() => a.discardSendNonces(-1), 'CONFIG_INVALID', 'negative discard');
          const top = Uint8Array.of(0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(17));
          refused(() => b.decrypt(top), 'CHANNEL_TOO_FAR', 'counter 2^53 - 1 decodes');
          top[1] = 0x20;
          refused(() => b.decrypt(top), 'DECODE_BAD_VALUE', 'counter 2^53 is out of range');
        },
      },
      {
        name: 'idle time counts authenticated receptions only',
        run() {
          const { a, b } = channelPair(provider, { now: 1000 });
          check(!b.isIdle(1999, 1000), 'not idle before the timeout');
          check(b.isIdle(2000, 1000), 'idle at the timeout');
          const w = send(a, 0);
          refused(() => b.decrypt(w.slice().fill(1, 8), 5000), 'CRYPTO_DECRYPT_FAILED', 'forgery');
          checkEqual(b.lastActivity, 1000, 'a forgery is no activity');
          b.decrypt(w, 5000);
          refused(() => b.decrypt(w, 9000), 'CHANNEL_REPLAY', 'replay');
          checkEqual(b.lastActivity, 5000, 'a replay is no activity');
          b.decrypt(send(a, 1), 4000);
          checkEqual(b.lastActivity, 5000, 'a clock going back does not rejuvenate');
          send(a, 2);
          check(a.isIdle(3000, 2000), 'sending is no activity');
          refused(() => b.isIdle(6000, 0), 'CONFIG_INVALID', 'zero timeout');
          refused(() => b.decrypt(send(a, 3), Number.NaN), 'CONFIG_INVALID', 'NaN time');
        },
      },
      {
        name: 'sizes, types and keys are checked; an authenticated undefined type is refused unrecorded',
        run() {
          const { a, b, kAB, h, cipher } = channelPair(provider);
          const largest = a.encrypt(MessageType.PAYLOAD, new Uint8Array(MAX_CHANNEL_BODY));
          checkEqual(largest.length, MAX_CHANNEL_MESSAGE, 'largest message');
          checkEqual(b.decrypt(largest).body.length, MAX_CHANNEL_BODY, 'largest body opens');
          refused(() => a.encrypt(MessageType.PAYLOAD, new Uint8Array(MAX_CHANNEL_BODY + 1)), 'CHANNEL_OVERSIZE', 'oversize body');
          refused(() => b.decrypt(new Uint8Array(MAX_CHANNEL_MESSAGE + 1)), 'DECODE_OVERSIZE', 'oversize message');
          refused(() => b.decrypt(new Uint8Array(CHANNEL_OVERHEAD - 1)), 'DECODE_TRUNCATED', 'short message');
          refused(() => a.encrypt(RESERVED_TYPE.ACK as MessageType, body(0)), 'CONFIG_INVALID', 'reserved type');
          const ping = sealByHand(cipher, kAB, h, 1, Uint8Array.of(RESERVED_TYPE.ACK));
          refused(() => b.decrypt(ping), 'DECODE_BAD_VALUE', 'reserved type from the peer');
          refused(() => b.decrypt(sealByHand(cipher, kAB, h, 2, new Uint8Array(0))), 'DECODE_TRUNCATED', 'no type byte');
          checkEqual(b.counters.rejectedMalformed, 4, 'malformed counter');
          checkEqual(b.counters.received, 1, 'not recorded as received');
          refused(() => b.decrypt(ping), 'DECODE_BAD_VALUE', 'refused the same way again, not as a replay');
          refused(() => new ChannelTransport({ cipher, sendKey: kAB.subarray(1), receiveKey: kAB, binding: h }), 'CONFIG_INVALID', 'short key');
          refused(() => new ChannelTransport({ cipher, sendKey: kAB, receiveKey: kAB, binding: new Uint8Array(0) }), 'CONFIG_INVALID', 'no binding');
        },
      },
      {
        name: 'no key material in JSON, toString or error messages',
        run() {
          const { a, b, kAB, kBA } = channelPair(provider);
          b.decrypt(send(a, 0));
          const secrets = [kAB, kBA].map((k) => toHex(k).slice(0, 16));
          const shown: string[] = [JSON.stringify(a), JSON.stringify(b), String(a), JSON.stringify(Object.values(a))];
          try { b.decrypt(send(b, 0)); } catch (e) { shown.push(String(e), JSON.stringify(e)); }
          for (const s of shown) for (const k of secrets) check(!s.includes(k), `key hex visible in ${s.slice(0, 60)}`);
          check(JSON.stringify(a).includes('"sent":1'), 'JSON still shows the counters');
        },
      },
    ],
  };
}

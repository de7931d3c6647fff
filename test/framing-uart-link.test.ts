/**
 * The UART link on Node: the portable suite, a fast-check property over the ESP32 line model
 * (any messages, any seed: exactly once, in order, no FIFO overrun), and fuzzing of the link
 * frame parser and of UartLink.receive.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { equalBytes } from '../protocol/bytes.ts';
import { encodeUartFrame } from '../protocol/framing/uart-frame.ts';
import { encodeLinkFrame, LINK_PAYLOAD_MAX, parseLinkFrame, type LinkFrame } from '../protocol/framing/uart-link-frame.ts';
import { UartLink } from '../protocol/framing/uart-link.ts';
import { LineSim, SimEnd } from './portable/framing-uart-sim.ts';
import { registerSuite } from './portable/mocha.ts';
import { uartLinkSuite } from './portable/framing-uart-link.suite.ts';
import { checkEverySplit, FUZZ_RUNS, fuzzDecoder } from './support/decoder-harness.ts';

registerSuite(uartLinkSuite());

const SAMPLE_FRAMES: LinkFrame[] = [
  { kind: 'data', seq: 0, first: true, last: true, total: 3, fragment: Uint8Array.of(1, 2, 3) },
  { kind: 'data', seq: 7, first: true, last: false, total: 500, fragment: new Uint8Array(60) },
  { kind: 'data', seq: 8, first: false, last: true, total: 0, fragment: new Uint8Array(62).fill(0xaa) },
  { kind: 'data', seq: 1, first: true, last: true, total: 0, fragment: new Uint8Array(0) },
  { kind: 'ack', next: 9 },
  { kind: 'poll', token: 200 },
  { kind: 'reply', token: 200, next: 3 },
  { kind: 'reset' },
  { kind: 'resetAck' },
];

describe('UART link frames', () => {
  it('every frame kind round-trips and fits the link payload limit', () => {
    for (const f of SAMPLE_FRAMES) {
      const bytes = encodeLinkFrame(f);
      assert.ok(bytes.length <= LINK_PAYLOAD_MAX);
      assert.deepEqual(encodeLinkFrame(parseLinkFrame(bytes)!), bytes);
    }
  });

  it(`the parser never throws and refuses what it cannot re-encode identically (${FUZZ_RUNS} runs)`, () => {
    const parse = (b: Uint8Array) => {
      let frame: LinkFrame | undefined;
      try {
        frame = parseLinkFrame(b);
      } catch (e) {
        throw new Error(`parser threw: ${String(e)}`);
      }
      // One encoding per frame (a DATA total only exists in FIRST fragments).
      if (frame !== undefined) assert.ok(equalBytes(encodeLinkFrame(frame), b), 'accepted a second spelling');
    };
    fuzzDecoder(parse, SAMPLE_FRAMES.map(encodeLinkFrame), { maxLength: 80 });
  });

  it(`UartLink.receive never throws on random or mutated wire input (${FUZZ_RUNS} runs)`, () => {
    const link = new UartLink();
    let now = 0;
    const receive = (b: Uint8Array) => {
      try {
        link.receive(b, now++);
        while (link.poll(now) !== undefined);
      } catch (e) {
        throw new Error(`link threw: ${String(e)}`);
      }
    };
    const started = Date.now();
    fuzzDecoder(receive, SAMPLE_FRAMES.map((f) => encodeUartFrame(encodeLinkFrame(f))));
    assert.ok(Date.now() - started < (30_000 * FUZZ_RUNS) / 100_000 + 5000, 'fast enough for 100k runs');
  });
});

describe('UartLink.receive as a stream decoder', () => {
  it('a stream of link frames split at every byte boundary delivers the same messages', () => {
    // What a peer writes after the reset exchange: one message in three DATA frames.
    const sender = new UartLink();
    const peer = new UartLink();
    for (const f of drainAll(sender)) peer.receive(f, 0);
    for (const f of drainAll(peer)) sender.receive(f, 0);
    sender.send(new Uint8Array(150).fill(0x5a));
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const data = drainAll(sender);
      frames.push(...data);
      for (const f of data) peer.receive(f, 0);
      for (const f of drainAll(peer)) sender.receive(f, 0);
    }
    const stream = Uint8Array.from(frames.flatMap((f) => [...f]));
    const feed = (chunks: Uint8Array[]) => {
      const receiver = new UartLink();
      receiver.receive(encodeUartFrame(encodeLinkFrame({ kind: 'resetAck' })), 0); // established
      return chunks.flatMap((c) => receiver.receive(c, 0));
    };
    const whole = feed([stream]);
    assert.equal(whole.length, 1, 'the message arrives');
    checkEverySplit(feed, stream, (a, b) => a.length === b.length && a.every((m, i) => equalBytes(m, b[i]!)));
  });
});

function drainAll(link: UartLink): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = link.poll(0); f !== undefined; f = link.poll(0)) out.push(f);
  return out;
}

/** Messages each way over the ESP32 model: exactly once, in order, no overrun, in time. */
function deliveredExactlyOnce(toDevice: Uint8Array[], toGateway: Uint8Array[], seed: number): boolean {
  const gateway = new SimEnd({ device: false }, {});
  const device = new SimEnd({ device: true, busyAfterDelivery: 0.4, busyPerMs: 1 / 3000, maxBusyMs: 4000 }, {});
  gateway.outbox.push(...toDevice);
  device.outbox.push(...toGateway);
  const sim = new LineSim(gateway, device, { dropPerByte: 5e-4, flipPerByte: 5e-4 }, seed);
  const done = sim.runUntil(() => device.delivered.length >= toDevice.length && gateway.delivered.length >= toGateway.length, 3_600_000);
  const same = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((m, i) => equalBytes(m, b[i]!));
  return done && same(device.delivered, toDevice) && same(gateway.delivered, toGateway) && device.overruns === 0;
}

describe('UART link over the ESP32 model (fast-check)', () => {
  it('any messages, any seed: delivered exactly once, in order, with no FIFO overrun', () => {
    const messages = fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(messages, messages, fc.integer({ min: 1, max: 2 ** 31 - 1 }), deliveredExactlyOnce), { numRuns: Math.min(FUZZ_RUNS, 100) });
  });

  it('regression (fast-check seed 2138486865): a DATA frame whose end delimiter flipped to 0x01 is not ACKed and lost', () => {
    // The flip appends the CRC's first byte and the CRC still checks; the link took the
    // over-long last fragment's seq, ACKed it and dropped the message.
    const z = (n: number) => new Uint8Array(n);
    assert.ok(deliveredExactlyOnce([z(7)], [z(7), z(4), z(1), z(4), z(0)], 1219777160));
  });
});

describe('UART link keeps a live peer whose poll answers were damaged', () => {
  it('regression (fast-check seed 254178644): the gateway does not give up on a device it still hears', () => {
    const z = (n: number) => new Uint8Array(n);
    assert.ok(deliveredExactlyOnce([z(7), z(0)], [z(8), z(7), z(0), z(0)], 254178644));
  });
});

describe('UART link reset after a long silence', () => {
  it("a resetting end answers a peer's RESET with its own at once, not after its grown backoff", () => {
    // A gateway port opened long before the device powers on: its RESETs went unanswered.
    const gateway = new UartLink();
    let now = 0;
    for (; now < 60_000; now += 100) while (gateway.poll(now) !== undefined);
    const device = new UartLink();
    const deviceReset = device.poll(now)!;
    gateway.receive(deviceReset, now);
    const answer: Uint8Array[] = [];
    for (let f = gateway.poll(now); f !== undefined; f = gateway.poll(now)) answer.push(f);
    for (const f of answer) device.receive(f, now);
    for (let f = device.poll(now); f !== undefined; f = device.poll(now)) gateway.receive(f, now);
    assert.equal(device.state, 'established');
    assert.equal(gateway.state, 'established', 'up within one exchange');
  });
});

/**
 * The UART link (protocol/framing/uart-link.ts), Node-free so it also runs on XS: the FIFO
 * budget, loss and duplicate handling frame by frame, the retry limit, restarts, and whole
 * runs over the ESP32 model in framing-uart-sim.ts with a noisy line and busy devices.
 */
import { equalBytes } from '../../protocol/bytes.ts';
import { uartFrameLength } from '../../protocol/framing/uart-frame.ts';
import {
  ANSWERS_IN_FLIGHT,
  DATA_WIRE_BUDGET,
  IN_TRANSIT_SLACK,
  LINK_PAYLOAD_MAX,
  MAX_UNANSWERED_POLLS,
  POLL_WIRE_BYTES,
  REPLY_WIRE_BYTES,
  UART_FIFO_BYTES,
} from '../../protocol/framing/uart-link-frame.ts';
import { UartLink } from '../../protocol/framing/uart-link.ts';
import { MAX_LINK_MESSAGE } from '../../protocol/framing/limits.ts';
import { LineSim, numberedMessage, SimEnd, TestRandom, type EndModel, type LineModel } from './framing-uart-sim.ts';
import { check, checkEqual, checkThrowsCode, type Suite } from './suite.ts';

/** Everything `from` writes at `now`. */
function drain(from: UartLink, now: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = from.poll(now); f !== undefined; f = from.poll(now)) out.push(f);
  return out;
}

/** Lossless exchange until both ends are quiet; returns what each delivered. */
function pump(a: UartLink, b: UartLink, now: number): [Uint8Array[], Uint8Array[]] {
  const atA: Uint8Array[] = [];
  const atB: Uint8Array[] = [];
  for (let rounds = 0; rounds < 100_000; rounds++) {
    const ab = drain(a, now);
    const ba = drain(b, now);
    if (ab.length === 0 && ba.length === 0) return [atA, atB];
    for (const f of ab) atB.push(...b.receive(f, now));
    for (const f of ba) atA.push(...a.receive(f, now));
  }
  throw new Error('links never went quiet');
}

function connectedPair(): [UartLink, UartLink] {
  const a = new UartLink();
  const b = new UartLink();
  pump(a, b, 0);
  check(a.state === 'established' && b.state === 'established', 'both ends established');
  return [a, b];
}

function sameMessages(actual: Uint8Array[], expected: Uint8Array[], what: string): void {
  checkEqual(actual.length, expected.length, `${what}: message count`);
  for (let i = 0; i < expected.length; i++) check(equalBytes(actual[i]!, expected[i]!), `${what}: message ${i} differs or is out of order`);
}

const NOISY: LineModel = { dropPerByte: 3e-4, flipPerByte: 3e-4 };
const GATEWAY: EndModel = { device: false };
const ESP32: EndModel = { device: true, busyAfterDelivery: 0.3, busyPerMs: 1 / 4000, maxBusyMs: 3000 };
/** Busy for up to 10 s: the longest a handshake step should take, inside the 12.6 s give-up. */
const SLOW_ESP32: EndModel = { device: true, busyAfterDelivery: 0.5, busyPerMs: 1 / 10_000, maxBusyMs: 10_000 };

/** Runs `count` messages each way over a noisy line; checks exactly-once, order, no overrun. */
function fullRun(seed: number, aModel: EndModel, bModel: EndModel, count: number): void {
  const random = new TestRandom(seed);
  const a = new SimEnd(aModel, {});
  const b = new SimEnd(bModel, {});
  const sentByA: Uint8Array[] = [];
  const sentByB: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    // Mostly small, sometimes several fragments, once the largest message.
    const size = (n: number) => (n === count - 1 ? MAX_LINK_MESSAGE : random.next() < 0.2 ? random.int(700) : random.int(60));
    sentByA.push(numberedMessage(i, size(i), random));
    sentByB.push(numberedMessage(i, size(i), random));
  }
  a.outbox.push(...sentByA);
  b.outbox.push(...sentByB);
  const sim = new LineSim(a, b, NOISY, seed + 1);
  const done = sim.runUntil(() => a.delivered.length >= count && b.delivered.length >= count, 3_600_000);
  check(done, `all delivered within the time limit (a got ${a.delivered.length}, b got ${b.delivered.length})`);
  sameMessages(b.delivered, sentByA, 'a to b');
  sameMessages(a.delivered, sentByB, 'b to a');
  checkEqual(a.overruns + b.overruns, 0, 'FIFO overruns');
  const la = a.link.counters;
  const lb = b.link.counters;
  checkEqual(la.peerTimeouts + lb.peerTimeouts, 0, 'peer given up');
  // The run must have exercised the recovery paths, or it proves nothing.
  check(a.link.wireCounters.badCrc + b.link.wireCounters.badCrc + a.link.wireCounters.malformed + b.link.wireCounters.malformed > 0, 'line damage seen');
  check(la.polls + lb.polls > 0 && la.retransmits + lb.retransmits > 0, 'polls and retransmissions happened');
}

export function uartLinkSuite(): Suite {
  return {
    name: 'UART link',
    cases: [
      {
        name: 'the FIFO budget adds up: one DATA frame, five polls, two answers and slack fit 128 bytes',
        run() {
          const total = DATA_WIRE_BUDGET + MAX_UNANSWERED_POLLS * POLL_WIRE_BYTES + ANSWERS_IN_FLIGHT * REPLY_WIRE_BYTES + IN_TRANSIT_SLACK;
          check(total <= UART_FIFO_BYTES, `budget ${total} exceeds the FIFO`);
          check(uartFrameLength(LINK_PAYLOAD_MAX) <= DATA_WIRE_BUDGET, 'largest DATA frame fits its budget');
          const [a, b] = connectedPair();
          a.send(new Uint8Array(MAX_LINK_MESSAGE).fill(0));
          b.send(new Uint8Array(MAX_LINK_MESSAGE).fill(0xff));
          let largest = 0;
          for (let rounds = 0; rounds < 1000; rounds++) {
            const ab = drain(a, 0);
            const ba = drain(b, 0);
            if (ab.length + ba.length === 0) break;
            for (const f of [...ab, ...ba]) largest = Math.max(largest, f.length);
            for (const f of ab) b.receive(f, 0);
            for (const f of ba) a.receive(f, 0);
          }
          check(largest <= DATA_WIRE_BUDGET, `a frame of ${largest} bytes`);
          checkEqual(a.counters.messagesSent + b.counters.messagesSent, 2, 'both messages acknowledged');
        },
      },
      {
        name: 'a duplicate DATA frame is acknowledged again and not delivered twice',
        run() {
          const [a, b] = connectedPair();
          a.send(Uint8Array.of(1, 2, 3));
          const data = drain(a, 0);
          checkEqual(data.length, 1, 'one DATA frame');
          checkEqual(b.receive(data[0]!, 0).length, 1, 'first copy delivered');
          checkEqual(drain(b, 0).length, 1, 'first copy acknowledged');
          checkEqual(b.receive(data[0]!, 1).length, 0, 'second copy not delivered');
          checkEqual(drain(b, 1).length, 1, 'second copy acknowledged again');
          checkEqual(b.counters.duplicates, 1, 'duplicate counted');
        },
      },
      {
        name: 'a lost DATA frame is resent after a POLL proves the loss; a lost ACK costs a POLL, no copy',
        run() {
          const [a, b] = connectedPair();
          a.send(Uint8Array.of(7));
          drain(a, 0); // DATA lost on the line
          checkEqual(drain(a, 199).length, 0, 'nothing before the timeout');
          const poll = drain(a, 200);
          checkEqual(poll.length, 1, 'a POLL at the timeout');
          for (const f of poll) b.receive(f, 200);
          for (const f of drain(b, 200)) a.receive(f, 201);
          const resent = drain(a, 201);
          checkEqual(a.counters.retransmits, 1, 'resent once');
          let got: Uint8Array[] = [];
          for (const f of resent) got = b.receive(f, 201);
          checkEqual(got.length, 1, 'delivered');
          drain(b, 201); // the ACK is lost
          for (const f of drain(a, 401)) b.receive(f, 401);
          for (const f of drain(b, 401)) a.receive(f, 402);
          checkEqual(a.counters.messagesSent, 1, 'the REPLY acknowledged it');
          checkEqual(a.counters.retransmits, 1, 'no second copy');
          checkEqual(b.counters.duplicates, 0, 'no duplicate reached b');
        },
      },
      {
        name: 'a DATA frame that passes the CRC but overfills its message is not ACKed, and is resent and delivered once',
        run() {
          const [a, b] = connectedPair();
          a.send(Uint8Array.of(0, 0, 0, 0));
          const data = drain(a, 0);
          checkEqual(data.length, 1, 'one DATA frame');
          // The end delimiter flips to 0x01 and the next frame's 0x00 closes the run: COBS adds
          // the CRC's first byte to the payload and the CRC still checks (CCITT-FALSE, no XOR).
          const damaged = Uint8Array.from([...data[0]!.subarray(0, -1), 0x01, 0x00]);
          checkEqual(b.receive(damaged, 0).length, 0, 'nothing delivered');
          checkEqual(b.wireCounters.badCrc, 0, 'the damage passed the CRC');
          checkEqual(drain(b, 0).length, 0, 'not ACKed');
          for (const f of drain(a, 200)) b.receive(f, 200); // the POLL
          for (const f of drain(b, 200)) a.receive(f, 201); // REPLY: still expecting it
          checkEqual(a.counters.messagesSent, 0, 'not taken as delivered');
          const [, atB] = pump(a, b, 201);
          sameMessages(atB, [Uint8Array.of(0, 0, 0, 0)], 'after the resend');
          checkEqual(a.counters.retransmits, 1, 'resent once');
          checkEqual(b.counters.reassemblyErrors, 0, 'no message dropped');
        },
      },
      {
        name: 'a silent peer gets DATA and at most five polls (within 128 bytes), then is given up',
        run() {
          const [a, b] = connectedPair();
          a.send(new Uint8Array(300).fill(9));
          a.send(Uint8Array.of(1));
          let written = 0;
          let now = 0;
          for (; now <= 20_000 && a.state === 'established'; now++) for (const f of drain(a, now)) written += f.length;
          checkEqual(a.counters.polls, MAX_UNANSWERED_POLLS, 'polls before giving up');
          check(written <= UART_FIFO_BYTES - IN_TRANSIT_SLACK, `${written} bytes toward a busy peer`);
          check(now > 12_000 && now < 13_000, `given up at ${now} ms`);
          checkEqual(a.counters.peerTimeouts, 1, 'timeout counted');
          checkEqual(a.counters.messagesDropped, 2, 'queued messages dropped');
          // The peer comes back: the link resets and carries new traffic.
          a.send(Uint8Array.of(42));
          checkEqual(a.state, 'resetting', 'a resets');
          const [, atB] = pump(a, b, a.nextDeadline()!);
          checkEqual(a.state, 'established', 'a established again');
          sameMessages(atB, [Uint8Array.of(42)], 'after the reset');
        },
      },
      {
        name: 'a device restart mid-stream: RESET resynchronises and every later message arrives once, in order',
        run() {
          const random = new TestRandom(77);
          const gateway = new SimEnd(GATEWAY, {});
          const device = new SimEnd(ESP32, {});
          const sim = new LineSim(gateway, device, NOISY, 78);
          const first = Array.from({ length: 20 }, (_, i) => numberedMessage(i, random.int(300), random));
          gateway.outbox.push(...first);
          sim.runUntil(() => device.delivered.length >= 8, 600_000);
          device.restart();
          check(sim.runUntil(() => gateway.outbox.length === 0 && gateway.link.queued === 0, 600_000), 'gateway queue drained');
          // Each message arrives in order; only the one in flight at the restart may repeat.
          const indexes = device.delivered.map((m) => m[0]! | (m[1]! << 8));
          let repeats = 0;
          for (let i = 1; i < indexes.length; i++) {
            if (indexes[i] === indexes[i - 1]) repeats++;
            else checkEqual(indexes[i], indexes[i - 1]! + 1, `message after ${indexes[i - 1]}`);
          }
          check(repeats <= 1, `${repeats} repeats`);
          checkEqual(indexes[indexes.length - 1], first.length - 1, 'last message delivered');
          check(gateway.link.counters.resetsReceived >= 1, 'gateway saw the RESET');
          checkEqual(device.overruns, 0, 'FIFO overruns');
        },
      },
      {
        name: 'send refuses an oversize message and a full queue with typed errors',
        run() {
          const link = new UartLink({ maxQueuedMessages: 2 });
          checkThrowsCode(() => link.send(new Uint8Array(MAX_LINK_MESSAGE + 1)), 'FRAME_OVERSIZE', 'oversize');
          link.send(Uint8Array.of(1));
          link.send(Uint8Array.of(2));
          checkThrowsCode(() => link.send(Uint8Array.of(3)), 'FRAME_QUEUE_FULL', 'third message');
          checkThrowsCode(() => new UartLink({ maxMessageSize: MAX_LINK_MESSAGE + 1 }), 'CONFIG_INVALID', 'limit above the shared one');
        },
      },
      {
        name: 'garbage on the wire is counted and never throws or delivers',
        run() {
          const [a, b] = connectedPair();
          const random = new TestRandom(5);
          for (let i = 0; i < 2000; i++) checkEqual(b.receive(random.bytes(random.int(80)), 0).length, 0, 'nothing delivered');
          const w = b.wireCounters;
          check(w.badCrc + w.malformed + w.oversize > 0, 'garbage counted');
          a.send(Uint8Array.of(5, 5));
          const [, atB] = pump(a, b, 1);
          sameMessages(atB, [Uint8Array.of(5, 5)], 'still works after garbage');
        },
      },
      {
        name: 'the ESP32 model loses what overflows its FIFO (so the overrun checks can fail)',
        run() {
          const device = new SimEnd(ESP32, {});
          for (let i = 0; i < 200; i++) device.arrive(i & 0xff);
          checkEqual(device.overruns, 200 - UART_FIFO_BYTES, 'bytes lost');
        },
      },
      { name: 'gateway and a busy ESP32 over a noisy line: exactly once, in order, no overrun (seed 1)', run: () => fullRun(1, GATEWAY, ESP32, 60) },
      { name: 'gateway and an ESP32 busy up to 10 s at a time: exactly once, in order, no overrun', run: () => fullRun(4, GATEWAY, SLOW_ESP32, 30) },
      { name: 'gateway and a busy ESP32 over a noisy line: exactly once, in order, no overrun (seed 2)', run: () => fullRun(2, GATEWAY, ESP32, 60) },
      { name: 'two busy ESP32s over a noisy line: exactly once, in order, no overrun', run: () => fullRun(3, ESP32, ESP32, 60) },
    ],
  };
}

/**
 * Link framing codecs, Node-free so the suite also runs on XS: CRC-16 and COBS against
 * published values, UART frames and the TCP length prefix as streams (garbage, corruption,
 * oversize), BLE fragmentation at every ATT MTU from 23 to 517 with lost, duplicated and
 * reordered fragments. The UART link itself is in framing-uart-link.suite.ts.
 */
import { concatBytes, equalBytes, fromHex, utf8Encode } from '../../protocol/bytes.ts';
import { ATT_MTU_MAX, ATT_MTU_MIN, BleReassembler, fragment, fragmentSizeForMtu } from '../../protocol/framing/ble-fragment.ts';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from '../../protocol/framing/cobs.ts';
import { crc16 } from '../../protocol/framing/crc.ts';
import { encodeFrame, LengthPrefixDecoder } from '../../protocol/framing/length-prefix.ts';
import { MAX_LINK_MESSAGE } from '../../protocol/framing/limits.ts';
import { encodeUartFrame, UartFrameDecoder } from '../../protocol/framing/uart-frame.ts';
import { TestRandom } from './framing-uart-sim.ts';
import { check, checkBytes, checkEqual, checkThrowsCode, type Suite } from './suite.ts';

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** COBS examples from the Wikipedia article (input, encoding without the delimiter). */
const COBS_VECTORS: [Uint8Array, Uint8Array][] = [
  [fromHex('00'), fromHex('0101')],
  [fromHex('0000'), fromHex('010101')],
  [fromHex('001100'), fromHex('01021101')],
  [fromHex('11220033'), fromHex('0311220233')],
  [fromHex('11223344'), fromHex('0511223344')],
  [fromHex('11000000'), fromHex('0211010101')],
  [range(0x01, 0xfe), concatBytes(fromHex('ff'), range(0x01, 0xfe))],
  [range(0x00, 0xfe), concatBytes(fromHex('01ff'), range(0x01, 0xfe))],
  [range(0x01, 0xff), concatBytes(fromHex('ff'), range(0x01, 0xfe), fromHex('02ff'))],
  [concatBytes(range(0x02, 0xff), fromHex('00')), concatBytes(fromHex('ff'), range(0x02, 0xff), fromHex('0101'))],
  [concatBytes(range(0x03, 0xff), fromHex('0001')), concatBytes(fromHex('fe'), range(0x03, 0xff), fromHex('0201'))],
];

/** Inputs rich in zeros and in long non-zero runs, where COBS has its edge cases. */
function cobsInputs(random: TestRandom, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const length = random.next() < 0.3 ? 250 + random.int(20) : random.int(600);
    const zeros = random.next();
    const bytes = random.bytes(length);
    for (let j = 0; j < length; j++) if (random.next() < zeros * 0.2) bytes[j] = 0;
    out.push(bytes);
  }
  return out;
}

function uartStream(payloads: Uint8Array[]): { stream: Uint8Array; ends: number[] } {
  const frames = payloads.map(encodeUartFrame);
  const ends: number[] = [];
  let end = 0;
  for (const f of frames) ends.push((end += f.length));
  return { stream: concatBytes(...frames), ends };
}

function feedUart(chunks: Uint8Array[]): Uint8Array[] {
  const d = new UartFrameDecoder();
  return chunks.flatMap((c) => d.push(c));
}

function reassembleAll(fragments: Uint8Array[], r = new BleReassembler()): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of fragments) {
    const m = r.push(f);
    if (m !== undefined) out.push(m);
  }
  return out;
}

export function framingSuite(): Suite {
  return {
    name: 'link framing codecs',
    cases: [
      {
        name: 'CRC-16/CCITT-FALSE matches its catalogue check value and continues across calls',
        run() {
          const digits = utf8Encode('123456789');
          checkEqual(crc16(digits), 0x29b1, 'check value');
          checkEqual(crc16(new Uint8Array(0)), 0xffff, 'empty input is the initial value');
          checkEqual(crc16(digits, 4, 9, crc16(digits, 0, 4)), 0x29b1, 'two calls equal one');
        },
      },
      {
        name: 'COBS encodes the published examples and decodes them back',
        run() {
          for (const [input, encoded] of COBS_VECTORS) {
            checkBytes(cobsEncode(input), encoded, `encode ${input.length} bytes`);
            checkBytes(cobsDecode(encoded), input, `decode ${encoded.length} bytes`);
            check(encoded.length <= cobsMaxEncodedLength(input.length), 'within the worst case');
          }
        },
      },
      {
        name: 'COBS round-trips 2,000 seeded inputs and never emits a zero',
        run() {
          for (const input of cobsInputs(new TestRandom(11), 2000)) {
            const encoded = cobsEncode(input);
            check(!encoded.includes(0), 'no zero in the encoding');
            check(encoded.length <= cobsMaxEncodedLength(input.length), 'within the worst case');
            checkBytes(cobsDecode(encoded), input, 'round trip');
          }
        },
      },
      {
        name: 'COBS refuses a zero byte, an overrunning block, empty input and the non-canonical form',
        run() {
          checkThrowsCode(() => cobsDecode(fromHex('031100')), 'DECODE_BAD_VALUE', 'zero inside');
          checkThrowsCode(() => cobsDecode(fromHex('0511')), 'DECODE_TRUNCATED', 'block past the end');
          checkThrowsCode(() => cobsDecode(new Uint8Array(0)), 'DECODE_TRUNCATED', 'empty');
          const nonCanonical = concatBytes(fromHex('ff'), range(0x01, 0xfe), fromHex('01'));
          checkThrowsCode(() => cobsDecode(nonCanonical), 'DECODE_BAD_VALUE', 'empty block after a full one');
        },
      },
      {
        name: 'UART frames: garbage between frames, idle delimiters and every split leave the frames intact',
        run() {
          const random = new TestRandom(21);
          const payloads = [random.bytes(10), new Uint8Array(0), new Uint8Array(300), random.bytes(1)];
          const garbage = Uint8Array.of(0x55, 0xaa, 0x13, 0x37);
          const stream = concatBytes(garbage, ...payloads.flatMap((p) => [encodeUartFrame(p), garbage, Uint8Array.of(0, 0)]));
          const d = new UartFrameDecoder();
          const got = d.push(stream);
          checkEqual(got.length, payloads.length, 'frames');
          payloads.forEach((p, i) => checkBytes(got[i]!, p, `frame ${i}`));
          check(d.counters.badCrc + d.counters.malformed >= payloads.length, 'garbage runs counted');
          for (let i = 0; i <= stream.length; i++) {
            const split = feedUart([stream.subarray(0, i), stream.subarray(i)]);
            check(split.length === got.length && split.every((f, j) => equalBytes(f, got[j]!)), `split at ${i}`);
          }
        },
      },
      {
        name: 'UART frames: corrupting any byte costs at most the frame it hits',
        run() {
          const random = new TestRandom(22);
          const payloads = [random.bytes(20), random.bytes(3), Uint8Array.of(0, 0, 0), random.bytes(40)];
          const { stream, ends } = uartStream(payloads);
          for (let i = 0; i < stream.length; i++) {
            const copy = stream.slice();
            copy[i] = copy[i]! ^ 0xff;
            const hit = ends.findIndex((end) => i < end);
            const got = feedUart([copy]);
            const expected = payloads.filter((_, j) => j !== hit);
            checkEqual(got.length, expected.length, `corruption at ${i}: frames delivered`);
            got.forEach((f, j) => checkBytes(f, expected[j]!, `corruption at ${i}: frame ${j}`));
          }
        },
      },
      {
        name: 'UART frames: an oversize run is dropped and counted; the next frame arrives',
        run() {
          const d = new UartFrameDecoder({ maxPayload: 16 });
          const next = encodeUartFrame(Uint8Array.of(1, 2, 3));
          const got = d.push(concatBytes(encodeUartFrame(new Uint8Array(17).fill(7)), new Uint8Array(5000).fill(9), next));
          checkEqual(got.length, 1, 'only the small frame');
          checkBytes(got[0]!, Uint8Array.of(1, 2, 3), 'payload');
          checkEqual(d.counters.oversize, 2, 'both oversize runs counted');
        },
      },
      {
        name: 'TCP frames: every split of a stream yields the same frames, including an empty one',
        run() {
          const random = new TestRandom(31);
          const payloads = [random.bytes(5), new Uint8Array(0), random.bytes(70), random.bytes(1)];
          const stream = concatBytes(...payloads.map((p) => encodeFrame(p)));
          for (let i = 0; i <= stream.length; i++) {
            for (let j = i; j <= stream.length; j += 7) {
              const d = new LengthPrefixDecoder();
              const got = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)].flatMap((c) => d.push(c));
              d.end();
              checkEqual(got.length, payloads.length, `split at ${i}, ${j}`);
              got.forEach((f, k) => checkBytes(f, payloads[k]!, `split at ${i}, ${j}: frame ${k}`));
            }
          }
        },
      },
      {
        name: 'TCP frames: an oversize length is fatal, a cut stream is truncated, encode refuses oversize',
        run() {
          const d = new LengthPrefixDecoder({ maxFrameSize: 100 });
          checkThrowsCode(() => d.push(fromHex('00000065')), 'FRAME_OVERSIZE', '101 > 100');
          checkThrowsCode(() => d.push(encodeFrame(Uint8Array.of(1))), 'FRAME_OVERSIZE', 'no input after failure');
          const cut = new LengthPrefixDecoder();
          checkEqual(cut.push(encodeFrame(new Uint8Array(10)).subarray(0, 9)).length, 0, 'nothing yet');
          checkThrowsCode(() => cut.end(), 'DECODE_TRUNCATED', 'end inside a frame');
          checkThrowsCode(() => encodeFrame(new Uint8Array(MAX_LINK_MESSAGE + 1)), 'FRAME_OVERSIZE', 'encode');
          checkThrowsCode(() => new LengthPrefixDecoder().push(fromHex('ffffffff')), 'FRAME_OVERSIZE', '4 GiB announced');
        },
      },
      {
        name: 'BLE: messages of every edge size round-trip at every ATT MTU from 23 to 517',
        run() {
          const random = new TestRandom(41);
          const max = random.bytes(MAX_LINK_MESSAGE);
          let fragments = 0;
          for (let mtu = ATT_MTU_MIN; mtu <= ATT_MTU_MAX; mtu++) {
            const size = fragmentSizeForMtu(mtu);
            const r = new BleReassembler();
            const lengths = [0, 1, size - 4, size - 3, size - 2, size, 2 * size - 3, 2 * size - 2, 3 * size, MAX_LINK_MESSAGE];
            for (const length of lengths) {
              const message = max.subarray(0, length);
              const pieces = fragment(message, size);
              for (const p of pieces) check(p.length <= size, `fragment of ${p.length} > ${size} at MTU ${mtu}`);
              fragments += pieces.length;
              const got = reassembleAll(pieces, r);
              check(got.length === 1 && equalBytes(got[0]!, message), `MTU ${mtu}, ${length} bytes`);
            }
            checkEqual(r.counters.discarded + r.counters.orphans + r.counters.malformed, 0, `no errors at MTU ${mtu}`);
          }
          check(fragments > 30_000, `${fragments} fragments checked`);
        },
      },
      {
        name: 'BLE: a lost, duplicated or reordered fragment drops that message only',
        run() {
          const random = new TestRandom(42);
          const message = random.bytes(200);
          const next = random.bytes(50);
          const pieces = fragment(message, 20);
          const after = fragment(next, 20);
          const faults: [string, (p: Uint8Array[], i: number) => Uint8Array[]][] = [
            ['lost', (p, i) => p.filter((_, j) => j !== i)],
            ['duplicated', (p, i) => [...p.slice(0, i + 1), p[i]!, ...p.slice(i + 1)]],
            ['reordered', (p, i) => (i + 1 < p.length ? [...p.slice(0, i), p[i + 1]!, p[i]!, ...p.slice(i + 2)] : p.slice(0, i).concat(after[0]!, p[i]!))],
          ];
          for (const [what, fault] of faults) {
            for (let i = 0; i < pieces.length; i++) {
              const r = new BleReassembler();
              const got = reassembleAll([...fault(pieces, i), ...after], r);
              // A repeated FIRST restarts the same message, which then arrives whole; a repeated
              // LAST comes after delivery and is an orphan. Either way the message arrives once.
              const benign = what === 'duplicated' && (i === 0 || i === pieces.length - 1);
              const expected = benign ? [message, next] : [next];
              check(got.length === expected.length && got.every((m, j) => equalBytes(m, expected[j]!)), `${what} fragment ${i}: delivered`);
              const c = r.counters;
              check(c.discarded + c.orphans > 0, `${what} fragment ${i}: counted`);
            }
          }
        },
      },
      {
        name: 'BLE: oversize announcements, malformed fragments and orphans are counted, never thrown',
        run() {
          const r = new BleReassembler({ maxMessageSize: 100 });
          checkEqual(r.push(fromHex('c00065' + '00'.repeat(10))), undefined, 'oversize first');
          checkEqual(r.push(fromHex('4101')), undefined, 'orphan');
          checkEqual(r.push(new Uint8Array(0)), undefined, 'empty');
          checkEqual(r.push(fromHex('c0')), undefined, 'first without its length');
          const c = r.counters;
          checkEqual(c.oversize, 1, 'oversize');
          checkEqual(c.orphans, 1, 'orphans');
          checkEqual(c.malformed, 2, 'malformed');
          checkThrowsCode(() => fragment(new Uint8Array(10), 3), 'CONFIG_INVALID', 'fragment size below 4');
          checkThrowsCode(() => fragment(new Uint8Array(MAX_LINK_MESSAGE + 1), 100), 'FRAME_OVERSIZE', 'message too big');
        },
      },
    ],
  };
}

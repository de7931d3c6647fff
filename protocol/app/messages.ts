/**
 * Application messages: what a device and the cloud say to each other inside the secure
 * channel. They travel as the payload of an inner routed message, device worker `app` to cloud
 * services `telemetry` and `commands` and back; hops never see them.
 *
 *   message   = type (u8) || body
 *   TELEMETRY = floor (u32) || count (u8) || reading * count
 *     reading = seq (u32) || time (u32) || uptimeMs (u32) || n (u8) || (name (text) || value (f64)) * n
 *   ACK       = next (u32)
 *   COMMAND   = id (u32) || name (text) || args (text)
 *   RESULT    = id (u32) || ok (u8: 0 or 1) || detail (text)
 *   text      = length (u16) || UTF-8 bytes;  all integers big-endian
 *
 * Delivery (design.md, "Delivery"): readings carry a per-device sequence number. The device
 * re-sends what is unacknowledged after any loss; the cloud stores each (device, seq) once and
 * answers ACK `next`: every seq below it is stored or was given up. `floor` is how the device
 * says "I gave up everything below this" (its bounded buffer dropped the oldest), so a gap the
 * device can never fill does not hold the cumulative acknowledgement back for ever.
 *
 * Binary rather than JSON: a reading costs ~30 bytes instead of ~90 on a BLE link of 20-byte
 * fragments, and the decoder allocates no more than its input holds. Command arguments and
 * results stay JSON text, because they are for people and scripts, and rare.
 */
import { DecodeError } from '../errors.ts';
import { ByteReader, ByteWriter, expectValue } from '../wire.ts';

export const AppMessageType = { TELEMETRY: 1, ACK: 2, COMMAND: 3, RESULT: 4 } as const;
export type AppMessageType = (typeof AppMessageType)[keyof typeof AppMessageType];

// Our limits (a device decodes commands; the cloud decodes batches from untrusted devices).
/** Readings per batch: 32 readings of 4 values are ~1.8 KB, inside one channel message. */
export const MAX_BATCH_READINGS = 32;
/** Values per reading: a multi-sensor board (temperature, humidity, pressure, battery, ...). */
export const MAX_READING_VALUES = 8;
/** Bytes in a value or command name. */
export const MAX_NAME_BYTES = 32;
/** Bytes of command arguments (JSON text): a device holds them while it applies the command. */
export const MAX_ARGS_BYTES = 512;
/** Bytes of a command result's detail (JSON text, e.g. a status report). */
export const MAX_DETAIL_BYTES = 1024;
/** Sequence numbers are u32; the largest is kept free so `next` = seq + 1 always fits. */
export const MAX_SEQ = 0xffff_fffe;

/** Names are identifiers, never free text: they end up in logs, metrics labels and SQL. */
const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

export interface ReadingValue {
  readonly name: string;
  readonly value: number;
}

export interface Reading {
  readonly seq: number;
  /** Seconds since the Unix epoch when the device's clock is set, 0 when it is not. */
  readonly time: number;
  /** Milliseconds since boot (mod 2^32): orders readings of a device without a clock. */
  readonly uptimeMs: number;
  readonly values: readonly ReadingValue[];
}

export interface TelemetryBatch {
  readonly type: typeof AppMessageType.TELEMETRY;
  readonly floor: number;
  readonly readings: readonly Reading[];
}

export interface TelemetryAck {
  readonly type: typeof AppMessageType.ACK;
  /** Every seq below `next` is stored or was given up by the device. */
  readonly next: number;
}

export interface Command {
  readonly type: typeof AppMessageType.COMMAND;
  readonly id: number;
  readonly name: string;
  readonly args: string;
}

export interface CommandResult {
  readonly type: typeof AppMessageType.RESULT;
  readonly id: number;
  readonly ok: boolean;
  readonly detail: string;
}

export type AppMessage = TelemetryBatch | TelemetryAck | Command | CommandResult;

const isU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;

function checkName(name: string, what: string): void {
  expectValue(name.length > 0 && name.length <= MAX_NAME_BYTES && NAME_PATTERN.test(name), `${what}: name must be 1-${MAX_NAME_BYTES} of [A-Za-z0-9_.-]`);
}

/** Checks what an encoder is given and what a decoder produced, with the same rules. */
function checkMessage(m: AppMessage): void {
  switch (m.type) {
    case AppMessageType.TELEMETRY: {
      expectValue(m.floor >= 0 && m.floor <= MAX_SEQ + 1 && Number.isInteger(m.floor), 'telemetry: floor out of range');
      expectValue(m.readings.length >= 1 && m.readings.length <= MAX_BATCH_READINGS, `telemetry: 1-${MAX_BATCH_READINGS} readings`);
      let previous = -1;
      for (const r of m.readings) {
        // Ascending and at or above the floor: one encoding per batch, and no reading the device
        // itself declared given up.
        expectValue(Number.isInteger(r.seq) && r.seq >= m.floor && r.seq > previous && r.seq <= MAX_SEQ, 'telemetry: seqs must ascend from floor');
        expectValue(isU32(r.time) && isU32(r.uptimeMs), 'telemetry: time and uptime must be u32');
        expectValue(r.values.length >= 1 && r.values.length <= MAX_READING_VALUES, `telemetry: 1-${MAX_READING_VALUES} values per reading`);
        for (const v of r.values) {
          checkName(v.name, 'telemetry value');
          expectValue(Number.isFinite(v.value), 'telemetry: values must be finite');
        }
        previous = r.seq;
      }
      return;
    }
    case AppMessageType.ACK:
      expectValue(Number.isInteger(m.next) && m.next >= 0 && m.next <= MAX_SEQ + 1, 'ack: next out of range');
      return;
    case AppMessageType.COMMAND:
      expectValue(isU32(m.id), 'command: id must be u32');
      checkName(m.name, 'command');
      expectValue(m.args.length <= MAX_ARGS_BYTES, 'command: args too long');
      return;
    case AppMessageType.RESULT:
      expectValue(isU32(m.id), 'result: id must be u32');
      expectValue(m.detail.length <= MAX_DETAIL_BYTES, 'result: detail too long');
      return;
  }
}

/** Throws DECODE_BAD_VALUE for a message that breaks the limits above. */
export function encodeAppMessage(m: AppMessage): Uint8Array {
  checkMessage(m);
  const w = new ByteWriter().u8(m.type);
  switch (m.type) {
    case AppMessageType.TELEMETRY:
      w.u32(m.floor).u8(m.readings.length);
      for (const r of m.readings) {
        w.u32(r.seq).u32(r.time).u32(r.uptimeMs).u8(r.values.length);
        for (const v of r.values) w.text(v.name).f64(v.value);
      }
      break;
    case AppMessageType.ACK:
      w.u32(m.next);
      break;
    case AppMessageType.COMMAND:
      w.u32(m.id).text(m.name).text(m.args);
      break;
    case AppMessageType.RESULT:
      w.u32(m.id).u8(m.ok ? 1 : 0).text(m.detail);
      break;
  }
  const bytes = w.finish();
  // Text limits are in bytes on the wire, checked here once the UTF-8 length is known.
  if (m.type === AppMessageType.COMMAND || m.type === AppMessageType.RESULT) decodeAppMessage(bytes);
  return bytes;
}

function readReading(r: ByteReader): Reading {
  const seq = r.u32();
  const time = r.u32();
  const uptimeMs = r.u32();
  const n = r.u8();
  expectValue(n >= 1 && n <= MAX_READING_VALUES, `telemetry: 1-${MAX_READING_VALUES} values per reading`);
  const values: ReadingValue[] = [];
  for (let i = 0; i < n; i++) values.push({ name: r.text(MAX_NAME_BYTES), value: r.f64() });
  return { seq, time, uptimeMs, values };
}

/** Throws DecodeError (DECODE_TRUNCATED, _TRAILING, _OVERSIZE, _BAD_VALUE) on anything malformed. */
export function decodeAppMessage(bytes: Uint8Array): AppMessage {
  const r = new ByteReader(bytes, 'app message');
  const type = r.u8();
  let m: AppMessage;
  switch (type) {
    case AppMessageType.TELEMETRY: {
      const floor = r.u32();
      const count = r.u8();
      expectValue(count >= 1 && count <= MAX_BATCH_READINGS, `telemetry: 1-${MAX_BATCH_READINGS} readings`);
      const readings: Reading[] = [];
      for (let i = 0; i < count; i++) readings.push(readReading(r));
      m = { type, floor, readings };
      break;
    }
    case AppMessageType.ACK:
      m = { type, next: r.u32() };
      break;
    case AppMessageType.COMMAND:
      m = { type, id: r.u32(), name: r.text(MAX_NAME_BYTES), args: r.text(MAX_ARGS_BYTES) };
      break;
    case AppMessageType.RESULT: {
      const id = r.u32();
      const ok = r.u8();
      expectValue(ok === 0 || ok === 1, 'result: ok must be 0 or 1');
      m = { type, id, ok: ok === 1, detail: r.text(MAX_DETAIL_BYTES) };
      break;
    }
    default:
      throw new DecodeError('DECODE_BAD_VALUE', `app message type ${type}`);
  }
  r.end();
  checkMessage(m);
  return m;
}

export const telemetryBatch = (floor: number, readings: readonly Reading[]): TelemetryBatch => ({ type: AppMessageType.TELEMETRY, floor, readings });
export const telemetryAck = (next: number): TelemetryAck => ({ type: AppMessageType.ACK, next });
export const command = (id: number, name: string, args = '{}'): Command => ({ type: AppMessageType.COMMAND, id, name, args });
export const commandResult = (id: number, ok: boolean, detail: string): CommandResult => ({ type: AppMessageType.RESULT, id, ok, detail });

/**
 * The host side of a simulated device's calls (device-calls.ts), answered synchronously:
 * randomness (HOST_SERVICE.random, as every XS bundle has), NVS, and the device's UART, BLE and
 * GPIO output handed to the simulator's callbacks.
 *
 * Synchronous, unlike simulators/xs/host-services.ts, because the same bundle also runs in a
 * Node vm context (engine.ts) where the device's issueCommand must return its answer at once;
 * xsnap accepts a synchronous answer too, so one router serves both engines. Same framing:
 * a status byte (0 ok, 1 failed) before the answer or a reason. A failing call is answered
 * (the shim throws a HostCallError inside the device), never fatal.
 */
import { utf8Decode } from '../../protocol/bytes.ts';
import { DecodeError } from '../../protocol/errors.ts';
import { ByteReader, ByteWriter } from '../../protocol/wire.ts';
import { HOST_SERVICE, STATUS_FAILED, STATUS_OK } from '../xs/host-call.ts';
import { randomService } from '../xs/host-services.ts';
import { createHash } from 'node:crypto';
import { DEVICE_SERVICE, DeviceOp, DIGEST_SHA256, PrefKind } from './device-calls.ts';
import type { NvsStore, NvsValue } from './nvs.ts';

// Our limits.
const MAX_REASON = 500;

export type SyncService = (body: Uint8Array) => Uint8Array;

/** What the device's hardware does, as seen by the simulator. */
export interface DeviceHardware {
  readonly nvs: NvsStore;
  serialWrite(port: number, bytes: Uint8Array): void;
  bleControl(message: Readonly<Record<string, unknown>>): void;
  bleNotify(characteristic: string, bytes: Uint8Array): void;
  digitalWrite(pin: number, value: number): void;
}

function answer(status: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = status;
  out.set(body, 1);
  return out;
}

export class SyncHostServices {
  private readonly services = new Map<number, SyncService>();

  register(service: number, handler: SyncService): this {
    this.services.set(service, handler);
    return this;
  }

  readonly handle = (request: Uint8Array): Uint8Array => {
    const handler = request.length > 0 ? this.services.get(request[0]!) : undefined;
    if (handler === undefined) return answer(STATUS_FAILED, new TextEncoder().encode(`no host service ${String(request[0])}`));
    try {
      return answer(STATUS_OK, handler(request.subarray(1)));
    } catch (e) {
      return answer(STATUS_FAILED, new TextEncoder().encode((e instanceof Error ? e.message : String(e)).slice(0, MAX_REASON)));
    }
  };
}

function readName(r: ByteReader): [string, string] {
  return [r.text(64), r.text(64)];
}

function prefValue(r: ByteReader, kind: number): NvsValue {
  switch (kind) {
    case PrefKind.BOOLEAN:
      return r.u8() === 1;
    case PrefKind.INTEGER:
      return r.u32() | 0;
    case PrefKind.STRING:
      return r.text(4096);
    case PrefKind.BYTES:
      return r.bytesOf(r.remaining);
    default:
      throw new DecodeError('DECODE_BAD_VALUE', `preference kind ${kind}`);
  }
}

function encodePref(v: NvsValue | undefined): Uint8Array {
  const w = new ByteWriter();
  if (v === undefined) w.u8(PrefKind.MISSING);
  else if (typeof v === 'boolean') w.u8(PrefKind.BOOLEAN).u8(v ? 1 : 0);
  else if (typeof v === 'number') w.u8(PrefKind.INTEGER).u32(v >>> 0);
  else if (typeof v === 'string') w.u8(PrefKind.STRING).text(v);
  else {
    const out = new Uint8Array(1 + v.length);
    out[0] = PrefKind.BYTES;
    out.set(v, 1);
    return out;
  }
  return w.finish();
}

const EMPTY = new Uint8Array(0);

/** Dispatches DEVICE_SERVICE ops to the hardware model. */
export function deviceService(hw: DeviceHardware): SyncService {
  return (body) => {
    const op = body[0];
    const r = new ByteReader(body.subarray(1), 'device call');
    switch (op) {
      case DeviceOp.SERIAL_WRITE: {
        const port = r.u8();
        hw.serialWrite(port, r.bytesOf(r.remaining));
        return EMPTY;
      }
      case DeviceOp.PREF_GET:
        return encodePref(hw.nvs.get(...readName(r)));
      case DeviceOp.PREF_SET: {
        const [domain, key] = readName(r);
        hw.nvs.set(domain, key, prefValue(r, r.u8()));
        return EMPTY;
      }
      case DeviceOp.PREF_DELETE:
        hw.nvs.delete(...readName(r));
        return EMPTY;
      case DeviceOp.PREF_KEYS: {
        const keys = hw.nvs.keys(r.text(64));
        const w = new ByteWriter().u16(keys.length);
        for (const k of keys) w.text(k);
        return w.finish();
      }
      case DeviceOp.BLE_CONTROL:
        hw.bleControl(JSON.parse(utf8Decode(r.bytesOf(r.remaining))) as Record<string, unknown>);
        return EMPTY;
      case DeviceOp.BLE_NOTIFY: {
        const name = r.text(64);
        hw.bleNotify(name, r.bytesOf(r.remaining));
        return EMPTY;
      }
      case DeviceOp.DIGITAL_WRITE:
        hw.digitalWrite(r.u8(), r.u8());
        return EMPTY;
      case DeviceOp.DIGEST: {
        const algorithm = r.u8();
        if (algorithm !== DIGEST_SHA256) throw new DecodeError('DECODE_BAD_VALUE', `digest algorithm ${algorithm}`);
        return new Uint8Array(createHash('sha256').update(r.bytesOf(r.remaining)).digest());
      }
      default:
        throw new DecodeError('DECODE_BAD_VALUE', `device op ${String(op)}`);
    }
  };
}

/** The services a simulated device's engine answers. */
export function simulatedDeviceServices(hw: DeviceHardware): SyncHostServices {
  const random = randomService();
  return new SyncHostServices()
    // randomService() answers synchronously (it returns bytes, never a promise).
    .register(HOST_SERVICE.random, (body) => random(body) as Uint8Array)
    .register(DEVICE_SERVICE, deviceService(hw));
}

/**
 * Shim of Moddable's `preference` module: values live in the host's simulated NVS
 * (simulators/device/nvs.ts), which enforces the ESP32's limits (15-character names, 4000-byte
 * values, 32-bit integers) so a firmware that breaks them fails here as on the device.
 */
import { ByteReader, ByteWriter } from '../../../protocol/wire.ts';
import { DeviceOp, PrefKind } from '../device-calls.ts';
import { deviceCall } from './runtime.ts';

type Value = string | boolean | number | ArrayBuffer;

const name = (domain: string, key: string): ByteWriter => new ByteWriter().text(domain).text(key);

const Preference = {
  set(domain: string, key: string, value: Value): void {
    const w = name(domain, key);
    if (typeof value === 'boolean') w.u8(PrefKind.BOOLEAN).u8(value ? 1 : 0);
    else if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) throw new RangeError('preference integers are 32-bit');
      w.u8(PrefKind.INTEGER).u32(value >>> 0);
    } else if (typeof value === 'string') w.u8(PrefKind.STRING).text(value);
    else if (value instanceof ArrayBuffer) w.u8(PrefKind.BYTES).bytes(new Uint8Array(value));
    else throw new TypeError('preference values are strings, booleans, integers or ArrayBuffers');
    deviceCall(DeviceOp.PREF_SET, w.finish());
  },
  get(domain: string, key: string): Value | undefined {
    const answer = deviceCall(DeviceOp.PREF_GET, name(domain, key).finish());
    const r = new ByteReader(answer, 'preference');
    switch (r.u8()) {
      case PrefKind.BOOLEAN:
        return r.u8() === 1;
      case PrefKind.INTEGER:
        return r.u32() | 0;
      case PrefKind.STRING:
        return r.text(4000);
      case PrefKind.BYTES:
        return r.bytesOf(r.remaining).slice().buffer;
      default:
        return undefined;
    }
  },
  delete(domain: string, key: string): void {
    deviceCall(DeviceOp.PREF_DELETE, name(domain, key).finish());
  },
  keys(domain: string): string[] {
    const r = new ByteReader(deviceCall(DeviceOp.PREF_KEYS, new ByteWriter().text(domain).finish()), 'preference keys');
    const keys: string[] = [];
    for (let n = r.u16(); n > 0; n--) keys.push(r.text(64));
    return keys;
  },
};

export default Preference;

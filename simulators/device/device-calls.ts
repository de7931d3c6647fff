/**
 * The calls a simulated device makes to its host for the hardware its shims stand in for
 * (UART, NVS, BLE, GPIO), over the simulators' host-call channel (simulators/xs/host-call.ts):
 * one service id for the device, one op byte per kind of call, then a binary body. Shared by
 * the shims (XS side) and the host (host-services.ts), so both read the same layout.
 *
 *   SERIAL_WRITE   port (u8) || bytes                         -> empty
 *   PREF_GET       text(domain) || text(key)                  -> kind (u8) || value
 *   PREF_SET       text(domain) || text(key) || kind || value -> empty
 *   PREF_DELETE    text(domain) || text(key)                  -> empty
 *   PREF_KEYS      text(domain)                               -> count (u16) || text*
 *   BLE_CONTROL    JSON text {op, ...} (advertising, name, disconnect: rare)  -> empty
 *   BLE_NOTIFY     text(characteristic name) || bytes         -> empty
 *   DIGITAL_WRITE  pin (u8) || value (u8)                     -> empty
 *   DIGEST         algorithm (u8: 1 SHA-256) || bytes          -> the digest (native `crypt`)
 *   value by kind: boolean u8 | integer i32 as u32 | string text | bytes (the rest)
 *   text = u16 length || UTF-8 (protocol/wire.ts)
 *
 * Binary rather than JSON on the hot paths (serial, notify): the meter figures of a simulated
 * device then count the firmware, not the simulator's plumbing.
 */

// Protocol constants (ours). HOST_SERVICE in simulators/xs/host-call.ts uses 1 and 2.
export const DEVICE_SERVICE = 16;
export const DeviceOp = {
  SERIAL_WRITE: 1,
  PREF_GET: 2,
  PREF_SET: 3,
  PREF_DELETE: 4,
  PREF_KEYS: 5,
  BLE_CONTROL: 6,
  BLE_NOTIFY: 7,
  DIGITAL_WRITE: 8,
  DIGEST: 9,
} as const;
export const DIGEST_SHA256 = 1;
export const PrefKind = { MISSING: 0, BOOLEAN: 1, INTEGER: 2, STRING: 3, BYTES: 4 } as const;

/** Host -> device commands (JSON, simulators/xs/xs-commands.ts) and what each returns. */
export interface DeviceReport {
  /** Device time (ms since boot) of the next timer, or null when none is set. */
  readonly next: number | null;
  /** Exceptions that escaped a firmware callback during the command (a device would log or reset). */
  readonly faults: readonly string[];
}

/** BLE events the host delivers (command `ble`). */
export type BleEvent =
  | { readonly event: 'connect'; readonly address: string }
  | { readonly event: 'mtu'; readonly mtu: number }
  | { readonly event: 'subscribe'; readonly characteristic: string }
  | { readonly event: 'write'; readonly characteristic: string; readonly hex: string }
  | { readonly event: 'disconnect' };

/** One characteristic of the device's GATT service, as bleservices/*.json declares it. */
export interface GattCharacteristicSpec {
  readonly name: string;
  readonly uuid: string;
  readonly properties: string;
}

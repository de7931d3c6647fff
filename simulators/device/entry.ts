/**
 * The simulator's side of a simulated device inside its engine (xsnap-worker, or a Node vm
 * context): installs the device's globals, then serves the host's commands. Bundled together
 * with the unchanged firmware, whose Moddable imports resolve to ./shims (bundle.ts).
 *
 *   boot    {now, wallSeconds, config, gatt, nativeCrypto}
 *                                             set clock and build config (and whether the build
 *                                             has the burrow-native-crypto module), run main()
 *   advance {now}                             fire timers due up to `now`
 *   serial  {now, port, hex}                  bytes from the UART's receive FIFO
 *   ble     {now, ...BleEvent}                a radio event for the peripheral
 *   status  {}                                the firmware's status report
 *   gc      {}                                a full collection (measurements)
 *
 * Every command but status and gc answers a DeviceReport: the next timer and any faults.
 *
 * Globals: Moddable's `trace` writes to the engine's stdout (xsnap's own is silent), and
 * Date.now reads the simulated wall clock, which stays near 1970 until the host or the firmware
 * sets it, as on an ESP32 without a time source.
 */
import main from 'burrow-firmware';
import * as nativeCrypto from 'burrow-native-crypto';
import { fromHex } from '../../protocol/bytes.ts';
import { serveCommands, type JsonRequest } from '../xs/xs-commands.ts';
import { xsHost } from '../xs/xs-globals.ts';
import type { BleEvent, GattCharacteristicSpec } from './device-calls.ts';
import { bleEvent, setGattCharacteristics } from './shims/bleserver.ts';
import { setConfig } from './shims/mc-config.ts';
import { registerModule } from './shims/modules.ts';
import { advanceTo, guarded, report, setWallClock, wallNow } from './shims/runtime.ts';
import { serialReceive } from './shims/serial.ts';

interface Booted {
  status(): Record<string, unknown>;
}

let device: Booted | undefined;

const g = globalThis as unknown as { trace: (text: string) => void; print: (text: string) => void };
g.trace = (text: string) => g.print(String(text).replace(/\n$/, ''));
Date.now = wallNow;

function time(request: JsonRequest): number {
  const now = request['now'];
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) throw new TypeError('now must be device milliseconds');
  return now;
}

serveCommands({
  boot(request) {
    if (device !== undefined) throw new Error('already booted');
    advanceTo(time(request));
    const wall = request['wallSeconds'];
    setWallClock(typeof wall === 'number' ? wall : undefined);
    setConfig((request['config'] ?? {}) as Record<string, unknown>);
    setGattCharacteristics((request['gatt'] ?? []) as GattCharacteristicSpec[]);
    if (request['nativeCrypto'] === true) registerModule('burrow-native-crypto', nativeCrypto);
    guarded('main', () => {
      device = main();
    });
    return report();
  },
  advance(request) {
    advanceTo(time(request));
    return report();
  },
  serial(request) {
    advanceTo(time(request));
    serialReceive(Number(request['port']), fromHex(String(request['hex'])));
    return report();
  },
  ble(request) {
    advanceTo(time(request));
    bleEvent(request as unknown as BleEvent);
    return report();
  },
  status() {
    if (device === undefined) throw new Error('not booted');
    return device.status();
  },
  gc() {
    xsHost().gc();
    return null;
  },
});

/**
 * Firmware entry: builds the platform from Moddable modules and starts the device. Moddable
 * calls the main module's default export at boot; the simulators call the same function.
 */
import config from 'mc/config';
import { readConfig } from './config.ts';
import { firmwareProvider } from './crypto.ts';
import { Device, type DevicePlatform } from './device.ts';
import { BleDeviceLink } from './links/ble.ts';
import { UartDeviceLink } from './links/uart.ts';
import { moddableClock } from './platform/clock.ts';
import { ledIndicator } from './platform/indicator.ts';
import { traceLog } from './platform/trace-log.ts';
import { preferenceStore } from './platform/preference-store.ts';
import { hardwareRandom } from './platform/random.ts';
import { LoopTimer } from './platform/scheduler.ts';
import { SimulatedSensor } from './sensor/simulated.ts';

/** NVS domain for everything the firmware keeps. */
const PREFERENCE_DOMAIN = 'burrow';

export default function main(): Device {
  const settings = readConfig(config);
  const random = hardwareRandom();
  const clock = moddableClock(settings.buildTime);
  const seed = random(4);
  const platform: DevicePlatform = {
    random,
    provider: firmwareProvider(random),
    clock,
    log: traceLog,
    store: preferenceStore(PREFERENCE_DOMAIN),
    sensor: new SimulatedSensor(((seed[0]! << 24) | (seed[1]! << 16) | (seed[2]! << 8) | seed[3]!) >>> 0),
    indicator: ledIndicator(settings.ledPin, traceLog),
    openLink: (kind, inbound, wake) =>
      kind === 'uart' ? new UartDeviceLink(settings.uart, inbound, () => clock.monotonicMs(), wake) : new BleDeviceLink(settings.bleName, inbound, wake),
    loop: (run) => new LoopTimer(() => clock.monotonicMs(), run),
  };
  return new Device(settings, platform);
}

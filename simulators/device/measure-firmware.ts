/**
 * What the firmware costs a device, measured on the real XS engine with the whole firmware
 * running (links, router, channel, application), not a benchmark kernel: one simulated device
 * on the testbed (testbed.ts), its cranks tallied per phase:
 *
 *   boot          provisioning at first boot (keys, attestation, NVS), one crank
 *   handshake     first contact: message 1 to the responder's confirmation, the device
 *                 verifying the cloud's attestation (Ed25519) on the way
 *   rehandshake   a new channel with a responder it has verified before (REFERENCE payload:
 *                 no signature check)
 *   telemetry     one reading: sampled, sent through the channel over UART, acknowledged
 *   idle minute   sixty seconds with nothing to report (keepalive included)
 *
 * Per phase: meter units (deterministic for the device's own work; the peer's randomness moves
 * them by a fraction of a percent), cranks, and two heap figures: the largest slot count XS
 * reported after a crank over the collected baseline (everything the crank allocated, garbage
 * included: an upper bound of its peak), and the largest live set after a crank once collected
 * (what the device holds between events). xsnap reports no chunk-heap use, so bytes are not
 * measured here (see bench/sections/firmware.ts for the estimate).
 */
import { fileURLToPath } from 'node:url';
import { XsBundleHost } from '../xs/bundle-host.ts';
import { ESP32_METER_UNITS_PER_MS } from './cpu-model.ts';
import type { MeterTotals } from './sim-device.ts';
import { Testbed } from './testbed.ts';

export interface PhaseCost {
  readonly compute: number;
  readonly cranks: number;
  /** Largest heap-slot count after a crank minus the collected baseline before the phase. */
  readonly allocatedSlots: number;
  /** Largest live-slot count after a crank and a collection. */
  readonly liveSlots: number;
  /** Device time the CPU model assigned (ms), at ESP32_METER_UNITS_PER_MS. */
  readonly busyMs: number;
  /** Host time in the engine (ms). */
  readonly hostMs: number;
}

export interface FirmwareCosts {
  readonly bundleBytes: number;
  /** Evaluating the bundle: meter units, and the live slots it leaves (code and module objects). */
  readonly loadCompute: number;
  readonly loadedLiveSlots: number;
  /** Live slots of the booted, idle device: loadedLiveSlots plus the device's own state. */
  readonly idleLiveSlots: number;
  readonly boot: PhaseCost;
  readonly handshake: PhaseCost;
  readonly rehandshake: PhaseCost;
  readonly telemetry: PhaseCost;
  readonly idleMinute: PhaseCost;
  /** How fast this host ran XS: meter units per ms of engine time in the boot crank (one long crank). */
  readonly hostUnitsPerMs: number;
}

const cost = (t: MeterTotals, baseline: number): PhaseCost => ({
  compute: t.compute, cranks: t.cranks, allocatedSlots: Math.max(0, t.maxHeapSlots - baseline), liveSlots: t.maxLiveSlots, busyMs: t.busyMs, hostMs: t.hostMs,
});

function check(ok: boolean, what: string, lines: readonly string[]): void {
  if (!ok) throw new Error(`firmware measurement: ${what}\n${lines.slice(-20).join('\n')}`);
}

/** `nativeCrypto`: the build has the burrow-native-crypto module (native SHA-256, crypto.ts). */
export async function measureFirmware(options: { readonly nativeCrypto?: boolean } = {}): Promise<FirmwareCosts> {
  // Two minutes between readings, so each phase holds only its own work: the second reading
  // falls in the telemetry phase, the idle minute ends before the third.
  const bed = new Testbed({ engine: 'xs', meterUnitsPerMs: ESP32_METER_UNITS_PER_MS, config: { intervalMs: 120_000 }, nativeCrypto: options.nativeCrypto ?? false });
  try {
    const { device } = await bed.addDevice('bench');
    device.collectAfterCrank = true;
    const lines = device.lines;
    const established = () => lines.filter((l) => l.includes('channel established')).length;

    const phase = async (work: () => Promise<void>): Promise<PhaseCost> => {
      const baseline = (await device.collect()) ?? 0;
      const m = device.measure();
      await work();
      return cost(m.end(), baseline);
    };

    const loadedLiveSlots = (await device.collect()) ?? 0;
    const boot = await phase(() => device.boot());
    const status = await device.status();
    const id = String(status['id']);
    check(String(status['crypto']).startsWith('moddable-crypt') === (options.nativeCrypto ?? false), `crypto provider ${String(status['crypto'])}`, lines);
    const record = () => bed.cloud.devices.get(id);
    const handshake = await phase(async () => check(await bed.run(() => established() === 1, 120_000), 'no first handshake', lines));
    // The first reading, taken at boot, goes out once the channel is up.
    check(await bed.run(() => (record()?.stored.size ?? 0) === 1, 60_000), 'first reading not stored', lines);
    await bed.run(() => false, 5_000);

    const telemetry = await phase(async () => {
      check(await bed.run(() => (record()?.stored.size ?? 0) === 2, 120_000), 'second reading not stored', lines);
      // The acknowledgement back to the device and the UART link's last ACKs.
      await bed.run(() => false, 5_000);
    });
    const idleLiveSlots = (await device.collect()) ?? 0;
    const idleMinute = await phase(async () => {
      await bed.run(() => false, 60_000);
    });
    const rehandshake = await phase(async () => {
      bed.cloud.listener.closeChannel(id, 'bench: new handshake');
      check(await bed.run(() => established() === 2, 120_000), 'no second handshake', lines);
    });
    return {
      bundleBytes: device.bundleBytes,
      loadCompute: device.loadMeter?.compute ?? 0,
      loadedLiveSlots,
      idleLiveSlots,
      boot,
      handshake,
      rehandshake,
      telemetry,
      idleMinute,
      hostUnitsPerMs: boot.hostMs > 0 ? boot.compute / boot.hostMs : 0,
    };
  } finally {
    await bed.close();
  }
}

async function collectedSlots(entry: string): Promise<number> {
  const host = await XsBundleHost.start({ entry: fileURLToPath(new URL(entry, import.meta.url)), name: 'xs-module-slots' });
  try {
    return (await host.request({ op: 'gc' })).meter.heapSlots;
  } finally {
    await host.close();
  }
}

/**
 * Live slots the noble module (firmware/noble.ts) holds once loaded: RAM a device spends on it,
 * since the Moddable build cannot preload it.
 */
export async function measureNobleModuleSlots(): Promise<number> {
  return (await collectedSlots('./noble-entry.ts')) - (await collectedSlots('./empty-entry.ts'));
}

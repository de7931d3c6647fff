/**
 * The firmware on the real XS engine, whole (links, router, channel, application): meter units
 * and heap slots per phase of a device's life (simulators/device/measure-firmware.ts), the
 * bundle sizes, and what they mean on a 240 MHz ESP32 with its default XS creation (4,928 slots
 * of 16 bytes, a 78,848-byte chunk heap), by the CPU model of simulators/device/cpu-model.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFirmwareForModdable } from '../../simulators/device/bundle.ts';
import { ESP32_METER_UNITS_PER_MS, ESP32_SLOWDOWN, HOST_XS_UNITS_PER_MS } from '../../simulators/device/cpu-model.ts';
import { measureFirmware, measureNobleModuleSlots, type PhaseCost } from '../../simulators/device/measure-firmware.ts';
import { measureCost } from '../../simulators/xs/measure.ts';
import type { BenchReport } from '../report.ts';

/** An ESP32's default XS heap (Moddable SDK 8.2, esp32 manifest creation). */
export const ESP32_SLOTS = 4928;
export const ESP32_CHUNK_BYTES = 78_848;

const esp32Ms = (units: number, slowdown: number = ESP32_SLOWDOWN.mid): number => (units / HOST_XS_UNITS_PER_MS) * slowdown;

function phase(report: BenchReport, name: string, what: string, p: PhaseCost): void {
  report.add({ name: `firmware.${name}.meter_units`, value: p.compute, unit: `meter units (${what}; ${p.cranks} events)` });
  report.add({ name: `firmware.${name}.esp32_ms`, value: p.compute / ESP32_METER_UNITS_PER_MS, unit: `ms on an ESP32, est. (${Math.round(esp32Ms(p.compute, ESP32_SLOWDOWN.low))}-${Math.round(esp32Ms(p.compute, ESP32_SLOWDOWN.high))})` });
  report.add({ name: `firmware.${name}.alloc_slots_max_event`, value: p.allocatedSlots, unit: 'slots allocated in its largest event (garbage incl.; upper bound of peak)' });
}

export async function benchFirmware(report: BenchReport): Promise<void> {
  report.section('Firmware on XS (whole device: UART link, router, channel, app; ESP32 CPU model)');
  const costs = await measureFirmware();
  report.add({ name: 'firmware.bundle_bytes', value: costs.bundleBytes, unit: 'B (simulator script: firmware + shims)' });
  const dir = mkdtempSync(join(tmpdir(), 'burrow-fw-'));
  try {
    report.add({ name: 'firmware.moddable_main_bytes', value: await bundleFirmwareForModdable(join(dir, 'main.js')), unit: 'B (firmware + core module for mcconfig, preloaded)' });
    report.add({ name: 'firmware.moddable_noble_bytes', value: await bundleFirmwareForModdable(join(dir, 'noble.js'), { module: 'burrow-noble' }), unit: 'B (noble module, loaded at boot)' });
    report.add({ name: 'firmware.moddable_min_bytes', value: await bundleFirmwareForModdable(join(dir, 'm.js'), { minify: true }) + await bundleFirmwareForModdable(join(dir, 'n.js'), { module: 'burrow-noble', minify: true }), unit: 'B both minified (JS source; xsc compiles to flash)' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.add({ name: 'firmware.load.meter_units', value: costs.loadCompute, unit: 'meter units to evaluate the bundle' });
  report.add({ name: 'firmware.load.live_slots', value: costs.loadedLiveSlots, unit: 'slots of loaded modules (in flash when preloaded)' });
  const state = costs.idleLiveSlots - costs.loadedLiveSlots;
  report.add({ name: 'firmware.state.live_slots', value: state, unit: 'slots the booted idle device holds beyond its modules' });
  // noble cannot be preloaded (mutable module state): its loaded module lives in the slot heap.
  const noble = await measureNobleModuleSlots();
  report.add({ name: 'firmware.noble_module.live_slots', value: noble, unit: 'slots of the noble module, loaded into RAM (not preloadable)' });
  const between = Math.max(costs.handshake.liveSlots, costs.rehandshake.liveSlots, costs.telemetry.liveSlots) - costs.loadedLiveSlots;
  report.add({ name: 'firmware.live_slots_max_between_events', value: between, unit: 'slots beyond the modules, after any event, collected' });
  report.add({ name: 'firmware.ram.live_slots', value: noble + between, unit: 'slots a device holds at rest: noble + state', goal: `<= ${ESP32_SLOTS} (ESP32 default heap)` });
  report.add({ name: 'firmware.ram.slot_headroom_default_heap', value: ESP32_SLOTS - noble - between, unit: `slots left of the default ${ESP32_SLOTS} (negative: raise creation.heap, manifests/)` });
  phase(report, 'boot', 'first boot: provisioning', costs.boot);
  phase(report, 'handshake', 'first contact, verifies the cloud', costs.handshake);
  phase(report, 'rehandshake', 'known responder, no signature check', costs.rehandshake);
  phase(report, 'telemetry', 'one reading, sent and acknowledged', costs.telemetry);
  phase(report, 'idle_minute', 'nothing to report, keepalive incl.', costs.idleMinute);
  report.add({ name: 'firmware.idle_minute.cpu_duty_pct', value: (100 * costs.idleMinute.compute) / ESP32_METER_UNITS_PER_MS / 60_000, unit: '% of an ESP32 core, est.' });
  // What a native provider could take away: the X25519 work of a handshake (four scalar
  // multiplications: e keygen, ee, es, se), measured alone in its own engine.
  const dh = (await measureCost('x25519-dh', 1)).runs[0]!.compute;
  report.add({ name: 'firmware.handshake.x25519_share_pct', value: (100 * 4 * dh) / costs.handshake.compute, unit: `% of the handshake in X25519 (4 x ${(dh / 1e6).toFixed(2)} M units): a native provider's gain` });
  // The native hook with what the SDK already has: SHA-256 from Moddable's `crypt` (C).
  const native = await measureFirmware({ nativeCrypto: true });
  for (const [name, p] of [['handshake', native.handshake], ['rehandshake', native.rehandshake], ['telemetry', native.telemetry]] as const) {
    report.add({ name: `firmware.native_sha256.${name}.meter_units`, value: p.compute, unit: `meter units with native SHA-256 (${(p.compute / ESP32_METER_UNITS_PER_MS).toFixed(0)} ms on an ESP32, est.)`, ceiling: { name: 'noble only', value: costs[name].compute } });
  }
  report.add({ name: 'firmware.host_xs_units_per_ms', value: costs.hostUnitsPerMs, unit: `meter units per ms on this host (the model assumes ${HOST_XS_UNITS_PER_MS.toLocaleString('en-US')})` });
  report.add({ name: 'firmware.esp32_units_per_ms', value: ESP32_METER_UNITS_PER_MS, unit: `meter units per ms, ESP32 estimate (host / ${ESP32_SLOWDOWN.mid})` });
}

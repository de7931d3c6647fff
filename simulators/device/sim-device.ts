/**
 * One simulated ESP32: the real firmware bundle in its engine (engine.ts), its hardware on the
 * host (NVS, UART ports, BLE, GPIO; host-services.ts) and its place in a World's time.
 *
 * The CPU model is what makes this a device and not just the firmware in a box. On XS every
 * command (a crank) reports how many meter units it spent; at `meterUnitsPerMs` (an ESP32's
 * speed, bench/sections/firmware.ts) that is how long the device was busy. While busy:
 * - its timers wait, and what it wrote during the crank leaves at the crank's end;
 * - bytes arriving on a UART go into the 128-byte receive FIFO, and what does not fit is lost,
 *   exactly the hazard the UART link's flow control exists for; the FIFO is read when the
 *   device is free again.
 * On Node (no meter) the device is infinitely fast.
 *
 * Commands are serialised per device, so events from wires, radios and timers may arrive in
 * any order without two cranks overlapping.
 */
import { ConfigError } from '../../protocol/errors.ts';
import type { XsMeter } from '../xs/xsnap-process.ts';
import type { BleEvent, DeviceReport, GattCharacteristicSpec } from './device-calls.ts';
import { startEngine, type DeviceEngine, type EngineKind } from './engine.ts';
import { simulatedDeviceServices } from './host-services.ts';
import { NvsStore } from './nvs.ts';
import type { Cancel, World } from './world.ts';

// Protocol constants (ESP32).
export const UART_RX_FIFO_BYTES = 128;

// Our limits.
/** A crank beyond this many meter units is a runaway loop, not firmware work (100x a handshake). */
export const DEVICE_METER_LIMIT = 3_000_000_000;

export interface SimDeviceOptions {
  readonly name: string;
  readonly engine: EngineKind;
  readonly world: World;
  /** The build configuration (mc/config). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Its NVS; a new empty one (a factory-fresh device) by default. */
  readonly nvs?: NvsStore;
  /** Wall-clock seconds at boot, or undefined for a device whose clock is not set. */
  readonly wallSeconds?: number;
  /** XS meter units the device computes per millisecond; 0 or absent: infinitely fast. */
  readonly meterUnitsPerMs?: number;
  /** The build includes the burrow-native-crypto module (native SHA-256 through `crypt`). */
  readonly nativeCrypto?: boolean;
  /** The GATT table its bleserver serves (firmware/bleservices). */
  readonly gatt?: readonly GattCharacteristicSpec[];
  readonly onLine?: (line: string) => void;
}

export interface MeterTotals {
  cranks: number;
  compute: number;
  /** Largest heap-slot count XS reported after any crank (garbage included). */
  maxHeapSlots: number;
  /** Time the device spent computing, by the CPU model (ms). */
  busyMs: number;
  /** Host wall-clock time spent in the engine (ms): how fast this machine runs XS. */
  hostMs: number;
  /** Largest live-slot count after a crank and a full collection (only with collectAfterCrank). */
  maxLiveSlots: number;
}

/** What leaves a device's UART port, and when (world ms). */
export type PortListener = (bytes: Uint8Array, at: number) => void;
export type BleListener = (event: { kind: 'control'; message: Readonly<Record<string, unknown>> } | { kind: 'notify'; characteristic: string; bytes: Uint8Array }, at: number) => void;

interface Output {
  readonly deliver: (at: number) => void;
}

export class UartPort {
  /** Bytes lost because they arrived while the FIFO was full. */
  overflowed = 0;
  received = 0;
  listener: PortListener | undefined;
  private fifo: number[] = [];
  private draining = false;

  constructor(private readonly device: SimDevice, readonly port: number) {}

  /** Bytes arriving on the device's RX pin now (lost while the device is off). */
  receive(bytes: Uint8Array): void {
    if (!this.device.poweredOn) return;
    for (const b of bytes) {
      if (this.fifo.length < UART_RX_FIFO_BYTES) this.fifo.push(b);
      else this.overflowed++;
    }
    this.received += bytes.length;
    if (!this.draining) {
      this.draining = true;
      this.device.whenFree(() => this.drain());
    }
  }

  private async drain(): Promise<void> {
    this.draining = false;
    const bytes = Uint8Array.from(this.fifo.splice(0));
    if (bytes.length > 0) await this.device.command('serial', { port: this.port, hex: Buffer.from(bytes).toString('hex') });
  }
}

export class SimDevice {
  readonly name: string;
  readonly nvs: NvsStore;
  readonly lines: string[] = [];
  readonly faults: string[] = [];
  readonly meter: MeterTotals = { cranks: 0, compute: 0, maxHeapSlots: 0, busyMs: 0, hostMs: 0, maxLiveSlots: 0 };
  /** Open measurement phases (measure()): each crank is added to all of them. */
  private readonly phases = new Set<MeterTotals>();
  /** GPIO writes in order, for identify (LED) checks. */
  readonly gpio: { pin: number; value: number; at: number }[] = [];
  /** The last crank's meter (XS only). */
  lastMeter: XsMeter | undefined;
  /** Measurements: collect after every crank and record the live slots (slow; XS only). */
  collectAfterCrank = false;
  bleListener: BleListener | undefined;
  private readonly o: SimDeviceOptions;
  private readonly ports = new Map<number, UartPort>();
  private engine: DeviceEngine | undefined;
  private bootAt = 0;
  private booted = false;
  private busyUntil = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: Cancel | undefined;
  private outputs: Output[] = [];
  private crankStart = 0;
  private closed = false;

  private constructor(options: SimDeviceOptions) {
    this.o = options;
    this.name = options.name;
    this.nvs = options.nvs ?? new NvsStore();
  }

  /** Starts the engine with the firmware loaded; boot() powers the device on. */
  static async start(options: SimDeviceOptions): Promise<SimDevice> {
    const device = new SimDevice(options);
    const hw = device.hardware();
    device.engine = await startEngine(options.engine, {
      name: options.name,
      services: simulatedDeviceServices(hw),
      onLine: (line) => {
        device.lines.push(line);
        options.onLine?.(line);
      },
      meteringLimit: DEVICE_METER_LIMIT,
    });
    return device;
  }

  /** World time when its current computation ends (the CPU model's busy time; now when idle). */
  get freeAt(): number {
    return Math.max(this.o.world.now(), this.busyUntil);
  }

  /** Booted and not closed: what reaches it now is handled. */
  get poweredOn(): boolean {
    return this.booted && !this.closed;
  }

  get engineKind(): EngineKind {
    return this.o.engine;
  }

  get bundleBytes(): number {
    return this.requireEngine().bundleBytes;
  }

  /** What evaluating the bundle cost (XS only): the firmware's load, before boot. */
  get loadMeter(): XsMeter | undefined {
    return this.requireEngine().loadMeter;
  }

  /** Device time: ms since boot. */
  get uptime(): number {
    return this.o.world.now() - this.bootAt;
  }

  /** The UART `port` (created on first use; the firmware's UART link uses config.uartPort). */
  uart(port: number): UartPort {
    let p = this.ports.get(port);
    if (p === undefined) this.ports.set(port, (p = new UartPort(this, port)));
    return p;
  }

  /** Powers the device on now: the firmware's main() runs. */
  boot(): Promise<void> {
    this.bootAt = this.o.world.now();
    this.booted = true;
    return this.command('boot', { wallSeconds: this.o.wallSeconds ?? null, config: this.o.config, gatt: this.o.gatt ?? [], nativeCrypto: this.o.nativeCrypto ?? false });
  }

  /** A radio event for the device's peripheral; resolves once the device has handled it. */
  bleEvent(event: BleEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve();
      this.whenFree(() => this.command('ble', { ...event }).then(resolve, reject));
    });
  }

  /** The firmware's status report. */
  async status(): Promise<Record<string, unknown>> {
    return this.serially(async () => (await this.requireEngine().request<Record<string, unknown>>({ op: 'status' })).value);
  }

  /** A full collection inside the engine; resolves with the live slots after it (XS). */
  async collect(): Promise<number | undefined> {
    return this.serially(async () => (await this.requireEngine().request({ op: 'gc' })).meter?.heapSlots);
  }

  /** Starts adding every crank to a fresh tally until `end()`: one measured phase of work. */
  measure(): { readonly totals: Readonly<MeterTotals>; end(): MeterTotals } {
    const totals: MeterTotals = { cranks: 0, compute: 0, maxHeapSlots: 0, busyMs: 0, hostMs: 0, maxLiveSlots: 0 };
    this.phases.add(totals);
    return { totals, end: () => (this.phases.delete(totals), totals) };
  }

  /** Runs `task` once the device is free (now, or when its current computation ends). */
  whenFree(task: () => Promise<void>): void {
    if (this.closed) return;
    this.o.world.at(Math.max(this.o.world.now(), this.busyUntil), task);
  }

  /** One command (crank) to the firmware, serialised with all others. */
  command(op: string, body: Readonly<Record<string, unknown>> = {}): Promise<void> {
    // A powered-off device ignores its cable and timers. Before boot this matters for its
    // clock too: a command carries the time since boot, so one that ran first would have
    // moved the firmware's clock ahead and left boot's timers that far in the future.
    if (this.closed || (!this.booted && op !== 'boot')) return Promise.resolve();
    return this.serially(() => this.crank(op, body));
  }

  /** Powers off: the engine ends; NVS stays with the host (boot a new SimDevice on it to reboot). */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.chain.catch(() => undefined);
    await this.engine?.close();
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work);
    this.chain = result.then(() => undefined, () => undefined);
    return result;
  }

  private requireEngine(): DeviceEngine {
    if (this.engine === undefined) throw new ConfigError('CONFIG_INVALID', `${this.name} has no engine`);
    return this.engine;
  }

  private async crank(op: string, body: Readonly<Record<string, unknown>>): Promise<void> {
    const world = this.o.world;
    const start = Math.max(world.now(), this.busyUntil);
    this.crankStart = start;
    this.outputs = [];
    // Moddable ticks are whole milliseconds.
    const began = performance.now();
    const { value, meter } = await this.requireEngine().request<DeviceReport>({ ...body, op, now: Math.floor(start - this.bootAt) });
    const hostMs = performance.now() - began;
    const live = this.collectAfterCrank ? (await this.requireEngine().request({ op: 'gc' })).meter?.heapSlots : undefined;
    const rate = this.o.meterUnitsPerMs ?? 0;
    const busy = meter !== undefined && rate > 0 ? meter.compute / rate : 0;
    this.busyUntil = start + busy;
    this.lastMeter = meter;
    for (const totals of [this.meter, ...this.phases]) {
      totals.cranks++;
      totals.busyMs += busy;
      totals.hostMs += hostMs;
      if (meter === undefined) continue;
      totals.compute += meter.compute;
      totals.maxHeapSlots = Math.max(totals.maxHeapSlots, meter.heapSlots);
      if (live !== undefined) totals.maxLiveSlots = Math.max(totals.maxLiveSlots, live);
    }
    for (const f of value.faults) {
      this.faults.push(f);
      this.o.onLine?.(`FAULT ${f}`);
    }
    const done = this.busyUntil;
    for (const out of this.outputs.splice(0)) out.deliver(done);
    this.timer?.cancel();
    this.timer = value.next === null ? undefined : world.at(Math.max(this.bootAt + value.next, done), () => this.command('advance'));
  }

  private hardware() {
    const emit = (deliver: (at: number) => void) => this.outputs.push({ deliver });
    return {
      nvs: this.nvs,
      serialWrite: (port: number, bytes: Uint8Array) => {
        const p = this.uart(port);
        emit((at) => p.listener?.(bytes, at));
      },
      bleControl: (message: Readonly<Record<string, unknown>>) => emit((at) => this.bleListener?.({ kind: 'control', message }, at)),
      bleNotify: (characteristic: string, bytes: Uint8Array) => emit((at) => this.bleListener?.({ kind: 'notify', characteristic, bytes }, at)),
      digitalWrite: (pin: number, value: number) => this.gpio.push({ pin, value, at: this.crankStart }),
    };
  }
}

/**
 * What a scenario runs against. A target builds rigs: one deployment each (a real cloud with
 * its SQLite store, a tampering hop in front of it when asked, a real Gateway, and devices),
 * and says what it can do. The scenarios are written against this interface only, so the one
 * suite runs on simulated ESP32s (sim-target.ts) and on a real board (board-target.ts), the way
 * the portable suites run on Node and on XS.
 *
 * Faults each target injects with what it has: a simulator cuts its simulated cable; a board
 * target cannot cut a wire it does not own, so it cuts the path at the gateway (stops it) and
 * at the hop. Both are link losses as the device sees them: its peer falls silent.
 */
import type { CloudNode } from '../cloud/node.ts';
import type { ReadingStats } from '../cloud/storage/store.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { TamperHop } from './tamper.ts';

/** What a scenario would like to run on; a board target has one device and uses it for every wish. */
export type DeviceWish =
  /** Firmware on XS over simulated BLE under real noble. */
  | 'xs-ble'
  /** Firmware on XS over a real pty (socat) opened by real serialport. */
  | 'xs-serial'
  /** Firmware on XS over the in-memory cable (the gateway's real SerialLink). */
  | 'xs-wire'
  /** The same bundle on Node over the in-memory cable: the fastest. */
  | 'node-wire';

export interface RigOptions {
  readonly devices: readonly DeviceWish[];
  /** Enroll each device at the cloud once it reports its identifier. */
  readonly enroll: boolean;
  /** Put a TamperHop between gateway and cloud (devices then route through it). */
  readonly tamperHop?: boolean;
  /** The hop starts cut (blackhole), so nothing reaches the cloud until the scenario opens it. */
  readonly hopStartsCut?: boolean;
  /** Start a second gateway for devices to roam to. */
  readonly secondGateway?: boolean;
  /** Firmware build settings where the target can choose them (simulators). */
  readonly firmware?: Readonly<Record<string, unknown>>;
  /** Seeds the hop's attacks. */
  readonly seed: number;
}

export interface Capabilities {
  /** Devices come factory-fresh (empty NVS) and provision at boot. */
  readonly freshDevices: boolean;
  /** The device's console lines are visible. */
  readonly console: boolean;
  /** The identify LED's pin writes are visible. */
  readonly gpio: boolean;
  /** The firmware settings in RigOptions.firmware are applied. */
  readonly firmwareSettings: boolean;
  /** Most devices a rig can have. */
  readonly maxDevices: number;
}

/** The part of the firmware's `status` report the scenarios read (firmware/device.ts). */
export interface DeviceStatus {
  readonly id: string;
  readonly channel: string;
  readonly handshakes: number;
  /** The seq the next reading gets. */
  readonly seq: number;
  /** Every seq below it is acknowledged (or given up: see dropped). */
  readonly floor: number;
  readonly acknowledged: number;
  readonly buffered: number;
  readonly dropped: number;
  readonly intervalMs: number;
  readonly [key: string]: unknown;
}

export interface RigDevice {
  readonly name: string;
  readonly identifier: string;
  /** The gateway's name for its link (e.g. uart:/dev/ttyUSB0, ble:<id>). */
  readonly linkKey: string;
  /** Its status, or undefined when it cannot be asked now (a board is asked through its channel). */
  status(): Promise<DeviceStatus | undefined>;
  /**
   * Link loss from now on (synchronous, so a hop observer can cut at an exact frame): 'line',
   * the line goes dead with both ends' ports open; 'port', the gateway's port goes away (a USB
   * cable pulled), so the gateway reopens it and both link ends resynchronise.
   */
  cut(how?: 'line' | 'port'): void;
  /** Ends the link loss. */
  restore(): Promise<void>;
  /** Console lines so far (empty when the target cannot see them). */
  readonly lines: readonly string[];
  /** LED writes (pin, value) so far (empty when not visible). */
  readonly gpio: readonly { readonly pin: number; readonly value: number }[];
  /** Simulator faults (a firmware callback threw); a healthy run has none. */
  readonly faults: readonly string[];
}

export interface Rig {
  readonly devices: readonly RigDevice[];
  /** The cloud node now (a new one after restartCloud). */
  readonly cloud: CloudNode;
  /** The gateway the devices are on now. */
  readonly gateway: Gateway;
  readonly hop: TamperHop | undefined;
  /** The devices' reporting interval (ms). */
  readonly intervalMs: number;
  /** What this rig stored of the device (count, distinct seqs, newest seq); a board's store outlives rigs. */
  stored(identifier: string): ReadingStats;
  restartGateway(downMs: number): Promise<void>;
  restartCloud(downMs: number): Promise<void>;
  /** Moves the device's link to the other gateway (needs secondGateway), and back on the next call. */
  roam(device: RigDevice): Promise<void>;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: string;
  /** Why it cannot run here (what to set or attach), or undefined when it can. */
  readonly unavailable: string | undefined;
  readonly can: Capabilities;
  /** Multiplies every wait: a board computes a handshake in seconds, a simulator in milliseconds. */
  readonly patience: number;
  /** Run once before the first scenario (a board's warm-up), within prepareMs. */
  readonly prepare?: (seed: number) => Promise<void>;
  readonly prepareMs?: number;
  /** Run once after the last scenario (a board target removes its copy of the service key). */
  readonly finish?: () => Promise<void>;
  rig(options: RigOptions): Promise<Rig>;
}

/**
 * A whole route in one virtual world: simulated devices (real firmware, XS or Node) cabled over
 * UART to an in-memory gateway, the gateway on an in-memory TCP network to an in-memory cloud.
 * Tests and the bench build on it; each part stays reachable for fault injection (cut a wire,
 * swap the cloud for an impostor).
 *
 *   device --UART(uart:gw)--> gateway --TCP(tcp:cloud:4000)--> cloud `api`
 */
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import type { LocalIdentity } from '../../protocol/identity/identity.ts';
import { Address, TransportType } from '../../protocol/routing/address.ts';
import { MemoryNetwork } from '../../protocol/routing/memory-transport.ts';
import { CloudTwin } from './cloud-twin.ts';
import type { EngineKind } from './engine.ts';
import { GatewayTwin, type GatewayUartPort } from './gateway-twin.ts';
import type { NvsStore } from './nvs.ts';
import { SimDevice } from './sim-device.ts';
import type { UartWire } from './uart-wire.ts';
import { VirtualWorld } from './world.ts';

/** 2026-01-01T00:00:00Z: the testbed's wall clock at world time 0. */
export const TESTBED_EPOCH = 1_767_225_600;
export const CLOUD_NAME = 'cloud:4000';
export const DEVICE_UART_PORT = 2;

export interface TestbedOptions {
  readonly engine: EngineKind;
  /** The identity the devices are built to trust (default: the cloud's own). */
  readonly trustAnchor?: string;
  /** The cloud's identity (default: a new one). */
  readonly cloudIdentity?: LocalIdentity;
  /** Meter units per ms for the device CPU model (default 0: infinitely fast). */
  readonly meterUnitsPerMs?: number;
  /** Build config on top of the testbed's defaults. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Devices are built with the burrow-native-crypto module (native SHA-256). */
  readonly nativeCrypto?: boolean;
  /** Devices get a set wall clock (default false: no clock, as after a cold boot without SNTP). */
  readonly deviceClock?: boolean;
  readonly onLine?: (device: string, line: string) => void;
}

export interface Cabled {
  readonly device: SimDevice;
  readonly wire: UartWire;
  readonly port: GatewayUartPort;
}

export class Testbed {
  readonly world = new VirtualWorld();
  readonly network = new MemoryNetwork();
  readonly provider = nodeCryptoProvider();
  readonly cloud: CloudTwin;
  readonly gateway: GatewayTwin;
  readonly devices: Cabled[] = [];

  constructor(private readonly o: TestbedOptions) {
    this.cloud = new CloudTwin({
      world: this.world, attach: (router) => this.network.attach(TransportType.TCP, CLOUD_NAME, router), provider: this.provider, epochSeconds: TESTBED_EPOCH,
      ...(o.cloudIdentity ? { identity: o.cloudIdentity } : {}),
    });
    this.gateway = new GatewayTwin(this.world, this.network, 'gw:1', new Address(TransportType.TCP, CLOUD_NAME));
    // The in-memory network holds what crosses it until pumped: deliver after every event.
    this.world.afterEach(() => {
      if (this.network.pending > 0) this.network.pump();
    });
  }

  /** The build configuration every device gets. */
  config(): Record<string, unknown> {
    return {
      route: `uart:gw => tcp:${CLOUD_NAME} => api`,
      trustAnchor: this.o.trustAnchor ?? this.cloud.identity.id,
      links: 'uart',
      uartPort: DEVICE_UART_PORT,
      buildTime: TESTBED_EPOCH - 86_400,
      ...this.o.config,
    };
  }

  /** Starts a device (not yet booted) cabled to the gateway; pass `nvs` to reboot a device. */
  async addDevice(name: string, nvs?: NvsStore): Promise<Cabled> {
    const device = await SimDevice.start({
      name,
      engine: this.o.engine,
      world: this.world,
      config: this.config(),
      ...(nvs ? { nvs } : {}),
      ...(this.o.deviceClock ? { wallSeconds: TESTBED_EPOCH } : {}),
      ...(this.o.nativeCrypto ? { nativeCrypto: true } : {}),
      ...(this.o.meterUnitsPerMs !== undefined ? { meterUnitsPerMs: this.o.meterUnitsPerMs } : {}),
      onLine: (line) => this.o.onLine?.(name, line),
    });
    const { wire, port } = this.gateway.connectUart(device, DEVICE_UART_PORT);
    const cabled = { device, wire, port };
    this.devices.push(cabled);
    return cabled;
  }

  /** Runs the world until `done()` or `limitMs` more of simulated time; returns done(). */
  run(done: () => boolean, limitMs: number): Promise<boolean> {
    return this.world.runUntil(done, this.world.now() + limitMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.device.close()));
  }
}

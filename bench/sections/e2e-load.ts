/**
 * Load for the whole-path throughput figure: devices that speak the device's protocol (the
 * core's SecureChannelInitiator, telemetry batches stop-and-wait like firmware/telemetry-app.ts,
 * floor 0, batches of the firmware's default size) but on node:crypto and the gateway's
 * in-memory link twin, so that one host process can offer more readings than one gateway and
 * one cloud carry. The firmware bundle itself (simulated ESP32s, LiveFleet) spends ~5 ms of host
 * CPU per reading in its noble crypto and UART framing: a fleet of those measures the simulator,
 * not the path. What is measured is everything from the gateway's link inwards: ingress and
 * upstream queue, TCP, the cloud's listener, channel, telemetry service and SQLite store.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { nodeCryptoProvider } from '../../crypto-node/provider.ts';
import { AppMessageType, decodeAppMessage, encodeAppMessage, telemetryBatch } from '../../protocol/app/messages.ts';
import { createIdentity, type LocalIdentity } from '../../protocol/identity/identity.ts';
import { PeerCache, pinnedAnchor } from '../../protocol/identity/trust.ts';
import { Address, parseAddress, TransportType } from '../../protocol/routing/address.ts';
import { decodeMessage, encodeMessage } from '../../protocol/routing/codec.ts';
import { routedMessage, stepForward } from '../../protocol/routing/message.ts';
import { route, Route } from '../../protocol/routing/route.ts';
import { Router } from '../../protocol/routing/router.ts';
import { SecureChannelInitiator } from '../../protocol/secure-channel/initiator.ts';
import type { RunningCloud } from '../../cloud/server.ts';
import type { Gateway } from '../../gateway/gateway.ts';
import type { MemoryLink } from '../../gateway/memory-link.ts';
import { benchReadings } from './cloud.ts';

const provider = nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
/** The device's end of its link, as the firmware names its route's first hop. */
const GATEWAY_HOP = parseAddress('ble:gw');
const POLL_MS = 20;

/** One device: a channel to the cloud's `api`, and one telemetry batch in flight at a time. */
class LoadDevice {
  readonly identity: LocalIdentity;
  readonly initiator: SecureChannelInitiator;
  /** The next seq; every seq below `acked` is acknowledged. */
  next = 0;
  acked = 0;
  running = false;
  private readonly router = new Router();
  private readonly telemetryRoute: Route;

  constructor(link: MemoryLink, upstream: string, cloudId: string, private readonly batch: number) {
    const now = Math.floor(Date.now() / 1000);
    this.identity = createIdentity(provider, now - 60, now + 86_400);
    this.router.registerTransport(TransportType.BLE, { send: (m) => link.fromDevice(encodeMessage(m)) });
    // As firmware/device.ts takes a message off its link: one hop back is the gateway.
    link.onDevice = (bytes) => this.router.route(stepForward(decodeMessage(bytes), GATEWAY_HOP));
    this.router.register('app', { handleMessage: (m) => this.onApp(m.payload) });
    this.initiator = new SecureChannelInitiator(this.router, {
      name: 'channel',
      route: route(GATEWAY_HOP, `tcp:${upstream}`, 'api'),
      handshake: { provider, identity: this.identity, policy: pinnedAnchor(cloudId), cache: new PeerCache(), now: () => Math.floor(Date.now() / 1000) },
      clock: () => performance.now(),
    });
    this.telemetryRoute = Route.of([this.initiator.encryptor, Address.local('telemetry')]);
  }

  /** The next batch, if the last one is acknowledged. */
  send(): void {
    if (!this.running || this.acked < this.next) return;
    const readings = benchReadings(this.next, this.batch);
    this.next += this.batch;
    this.router.route(routedMessage(this.telemetryRoute, route('app'), encodeAppMessage(telemetryBatch(0, readings))));
  }

  private onApp(payload: Uint8Array): void {
    const m = decodeAppMessage(payload);
    if (m.type !== AppMessageType.ACK) return;
    this.acked = Math.max(this.acked, m.next);
    this.send();
  }
}

export interface LoadFleet {
  readonly devices: readonly LoadDevice[];
  /** Every device sends as fast as its acks return until stopped. */
  start(): void;
  /** Stops sending; resolves once every batch in flight is acknowledged. */
  drain(timeoutMs: number): Promise<boolean>;
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` devices on memory links of `gateway`, enrolled in `cloud`, channels established. */
export async function loadFleet(gateway: Gateway, cloud: RunningCloud, count: number, batch: number): Promise<LoadFleet> {
  const upstream = gateway.config.upstreams[0]!;
  const devices = Array.from({ length: count }, (_, i) => {
    const link = gateway.addMemoryLink(`ble:load-${i}`);
    link.connect();
    const device = new LoadDevice(link, upstream, cloud.node.identity.id, batch);
    cloud.node.registry.enroll(device.identity.id, { role: 'sensor' });
    return device;
  });
  const timer = setInterval(() => {
    const now = performance.now();
    for (const d of devices) d.initiator.poll(now);
  }, POLL_MS);
  while (gateway.upstreams.all()[0]!.state !== 'up') await sleep(5);
  for (const d of devices) d.initiator.start();
  const deadline = Date.now() + 30_000;
  while (devices.some((d) => d.initiator.state !== 'established')) {
    if (Date.now() > deadline) throw new Error('bench: load devices did not establish their channels');
    await sleep(10);
  }
  return {
    devices,
    start() {
      for (const d of devices) {
        d.running = true;
        d.send();
      }
    },
    async drain(timeoutMs) {
      for (const d of devices) d.running = false;
      const end = Date.now() + timeoutMs;
      while (devices.some((d) => d.acked < d.next) && Date.now() < end) await sleep(5);
      return devices.every((d) => d.acked === d.next);
    },
    close() {
      clearInterval(timer);
      for (const d of devices) d.initiator.close();
    },
  };
}

/**
 * The gateway service: device links (BLE central, serial ports, in-memory twins) on one side,
 * allowed TCP upstreams with store-and-forward queues on the other, and the core's router in
 * between. It never holds a channel key: it moves routed messages whose payloads it cannot
 * read, and it forwards only what its config allows.
 *
 *   device --link--> ingress (stepForward with the link's address, upstream allow-list)
 *          --> upstream queue (bounded, fair, optionally on disk) --> TcpTransport --> cloud
 *   cloud --TcpTransport--> router (inbound policy: only the gateway's own device links)
 *          --> LinkTable --> the link's downlink queue --> device
 */
import type { Server } from 'node:http';
import { parseAddress, TransportType, type Address } from '../protocol/routing/address.ts';
import { Router } from '../protocol/routing/router.ts';
import type { Logger } from '../transport-node/log.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { BleCentral } from './ble/central.ts';
import { loadNoble } from './ble/noble-loader.ts';
import type { NobleCentral } from './ble/noble-types.ts';
import type { GatewayConfig } from './config.ts';
import type { DeviceLinkOptions } from './device-link.ts';
import { DiskStore } from './disk-store.ts';
import { startHttp } from './http.ts';
import { DeviceIngress } from './ingress.ts';
import { LinkTable } from './link-table.ts';
import { MemoryLink } from './memory-link.ts';
import { gatewayMetrics } from './metrics.ts';
import { SerialLink, type PortFactory } from './serial/serial-link.ts';
import type { GatewayStatus } from './status.ts';
import { UpstreamSet } from './upstreams.ts';

export interface GatewayDeps {
  readonly log: Logger;
  /** A Noble made with any binding (tests); otherwise chosen by ble.adapter. */
  readonly noble?: NobleCentral;
  /** Opens serial ports (tests may pass SerialPortMock); default serialport's SerialPort. */
  readonly openPort?: PortFactory;
  /** Jitter source for backoff; default Math.random. */
  readonly random?: () => number;
  /** Serve /metrics, /health and /status (default true). */
  readonly http?: boolean;
}

async function defaultPortFactory(): Promise<PortFactory> {
  const { SerialPort } = await import('serialport');
  return (path, baudRate) => new SerialPort({ path, baudRate, autoOpen: false });
}

export class Gateway {
  private readonly startedAt = Date.now();
  private httpServer: Server | undefined;
  /** The HTTP port actually bound (0 when not serving). */
  httpPort = 0;

  private constructor(
    readonly config: GatewayConfig,
    readonly router: Router,
    readonly links: LinkTable,
    readonly tcp: TcpTransport,
    readonly upstreams: UpstreamSet,
    readonly ingress: DeviceIngress,
    readonly ble: BleCentral | undefined,
    readonly serial: readonly SerialLink[],
    private readonly store: DiskStore | undefined,
    private readonly linkOptions: DeviceLinkOptions,
    private readonly log: Logger,
    private readonly stopAdapter: () => void,
  ) {}

  static async start(config: GatewayConfig, deps: GatewayDeps): Promise<Gateway> {
    const log = deps.log;
    const random = deps.random ?? Math.random;
    const links = new LinkTable();
    // Outbound through the router: only to the gateway's own device links. Device traffic to
    // upstreams goes through the ingress and its queues, never straight to the transport.
    const router = new Router({ allow: (a) => links.has(a) });
    router.registerTransport(TransportType.BLE, links);
    router.registerTransport(TransportType.UART, links);
    const tcp = new TcpTransport(router, { log, inboundPolicy: (head) => links.has(head) });
    const q = config.queue;
    const store = q.disk === undefined ? undefined : new DiskStore(q.disk);
    const upstreams = new UpstreamSet(tcp, config.upstreams, {
      limits: { maxItems: q.maxFrames, maxBytes: q.maxBytes, maxPerSource: q.perDevice },
      backoff: { ...q.reconnect, random },
      log,
      ...(store === undefined ? {} : { store }),
    });
    const ingress = new DeviceIngress(upstreams, log);
    const linkOptions: DeviceLinkOptions = { sink: ingress, log, maxDownlink: config.downlink.maxFrames, maxDownlinkBytes: config.downlink.maxBytes };

    let ble: BleCentral | undefined;
    let stopAdapter = () => undefined as void;
    const b = config.ble;
    if (b !== undefined && b.enabled) {
      const loaded = deps.noble === undefined ? await loadNoble(b.adapter, b.mtu) : { noble: deps.noble, stop: () => undefined };
      stopAdapter = loaded.stop;
      ble = new BleCentral(loaded.noble, {
        ...linkOptions,
        gatt: { service: b.service, rx: b.rx, tx: b.tx },
        timeouts: b.timeouts,
        backoff: { ...b.reconnect, random },
        maxLinks: b.maxLinks,
        forgetAfterMs: b.forgetAfterSec * 1000,
        table: links,
        ...(b.maxFragment === undefined ? {} : { maxFragment: b.maxFragment }),
        ...(b.devices === undefined ? {} : { allowIds: b.devices }),
        ...(b.namePrefix === undefined ? {} : { namePrefix: b.namePrefix }),
      });
    }
    const serial: SerialLink[] = [];
    if (config.serial.length > 0) {
      const openPort = deps.openPort ?? (await defaultPortFactory());
      for (const port of config.serial) {
        const link = new SerialLink({ ...linkOptions, path: port.path, baudRate: port.baudRate, maxHoldMs: port.maxHoldMs, openPort, backoff: { ...config.serialReconnect, random } });
        links.add(link);
        serial.push(link);
      }
    }

    const gateway = new Gateway(config, router, links, tcp, upstreams, ingress, ble, serial, store, linkOptions, log, stopAdapter);
    upstreams.start();
    ble?.start();
    for (const link of serial) link.start();
    if (deps.http ?? true) {
      const { server, port } = await startHttp(config.http.listen, () => gateway.status(), gatewayMetrics(() => gateway.status()), log);
      gateway.httpServer = server;
      gateway.httpPort = port;
    }
    log.info({ upstreams: config.upstreams, ble: ble !== undefined, serial: serial.length, disk: store !== undefined, httpPort: gateway.httpPort }, 'gateway started');
    return gateway;
  }

  /** Adds an in-memory device link (tests, bench). */
  addMemoryLink(address: Address | string): MemoryLink {
    const link = new MemoryLink(typeof address === 'string' ? parseAddress(address) : address, this.linkOptions);
    this.links.add(link);
    return link;
  }

  status(): GatewayStatus {
    return {
      name: this.config.name,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      ble: this.ble === undefined ? null : { adapter: this.ble.adapterState, maxLinks: this.config.ble?.maxLinks ?? 0, refusedForCapacity: this.ble.refusedForCapacity },
      devices: this.links.all().map((l) => l.status()),
      upstreams: this.upstreams.all().map((u) => ({ address: u.name, state: u.state, queued: u.queued, queuedBytes: u.queuedBytes, counters: u.counters })),
      tcp: this.tcp.counters,
    };
  }

  async close(): Promise<void> {
    const server = this.httpServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.ble?.close();
    this.stopAdapter();
    await Promise.all(this.serial.map((l) => l.close()));
    await Promise.all(this.links.all().map((l) => l.close()));
    await this.upstreams.close();
    await this.tcp.close();
    this.store?.close();
    this.log.info({}, 'gateway stopped');
  }
}

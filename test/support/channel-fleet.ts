/**
 * A small in-memory fleet for secure-channel tests: a cloud node with a SecureChannelListener
 * at `api` and an `echo` service, gateway nodes that forward device links to the cloud over TCP
 * (MemoryNetwork, with its seeded faults), and devices whose one link can be moved from one
 * gateway to another (roaming). A simulated clock drives every timer.
 */
import { createIdentity, type LocalIdentity } from '../../protocol/identity/identity.ts';
import { pinnedAnchor, PeerCache, trustCallback } from '../../protocol/identity/trust.ts';
import type { CryptoProvider, RandomSource } from '../../protocol/crypto/provider.ts';
import { Address, TransportType } from '../../protocol/routing/address.ts';
import { MemoryNetwork, type FaultRates } from '../../protocol/routing/memory-transport.ts';
import { stepForward, type RoutedMessage } from '../../protocol/routing/message.ts';
import { route } from '../../protocol/routing/route.ts';
import { Router } from '../../protocol/routing/router.ts';
import { SecureChannelInitiator, type InitiatorOptions } from '../../protocol/secure-channel/initiator.ts';
import { SecureChannelListener, type ListenerOptions } from '../../protocol/secure-channel/listener.ts';

export const NOW_SECONDS = 1_800_000_000;
const YEAR = 365 * 86400;

export class Clock {
  ms = 1_000_000;
  readonly now = () => this.ms;
}

/** The far end of a device link: delivers into a gateway as if over UART. */
export class Gateway {
  readonly router = new Router();
  /** A tampering gateway's hand on what it forwards, each way (routes are outside the encryption). */
  tamper: { up?: (m: RoutedMessage) => RoutedMessage; down?: (m: RoutedMessage) => RoutedMessage } = {};
  private readonly devices = new Map<string, Device>();

  constructor(readonly name: string, network: MemoryNetwork) {
    network.attach(TransportType.TCP, name, this.router);
    this.router.registerTransport(TransportType.UART, {
      send: (m) => {
        const device = this.devices.get(new TextDecoder().decode(m.onwardRoute.next().value));
        if (device === undefined) throw new Error('no such device link');
        const down = stepForward(m, new Address(TransportType.UART, 'gw'));
        device.deliver(this.tamper.down?.(down) ?? down);
      },
    });
  }

  connect(device: Device): void {
    this.devices.set(device.name, device);
  }

  disconnect(device: Device): void {
    this.devices.delete(device.name);
  }

  receive(from: Device, m: RoutedMessage): void {
    const up = stepForward(m, new Address(TransportType.UART, from.name));
    this.router.route(this.tamper.up?.(up) ?? up);
  }
}

export class Device {
  readonly router = new Router();
  readonly identity: LocalIdentity;
  readonly received: RoutedMessage[] = [];
  gateway: Gateway | undefined;
  /** Messages the device's link dropped because it was not connected. */
  linkDrops = 0;
  initiator!: SecureChannelInitiator;

  constructor(readonly name: string, readonly provider: CryptoProvider) {
    this.identity = createIdentity(provider, NOW_SECONDS, NOW_SECONDS + YEAR);
    this.router.registerTransport(TransportType.UART, {
      send: (m) => {
        if (this.gateway === undefined) this.linkDrops++;
        else this.gateway.receive(this, m);
      },
    });
    this.router.register('app', { handleMessage: (m) => { this.received.push(m); } });
  }

  deliver(m: RoutedMessage): void {
    this.router.route(m);
  }

  open(cloud: LocalIdentity, clock: Clock, options: Partial<InitiatorOptions> = {}): SecureChannelInitiator {
    this.initiator = new SecureChannelInitiator(this.router, {
      name: 'channel',
      route: route('uart:gw', 'tcp:cloud', 'api'),
      handshake: { provider: this.provider, identity: this.identity, policy: pinnedAnchor(cloud.id), cache: new PeerCache(), now: () => NOW_SECONDS },
      clock: clock.now,
      ...options,
    });
    return this.initiator;
  }

  /** Sends `payload` from `app` to a cloud service through the channel. */
  send(service: string, payload: Uint8Array): void {
    this.router.route({ onwardRoute: route(this.initiator.encryptor, service), returnRoute: route('app'), payload });
  }
}

export interface FleetOptions {
  readonly provider: CryptoProvider;
  readonly random?: RandomSource;
  readonly faults?: FaultRates;
  readonly listener?: Partial<ListenerOptions>;
}

export class Fleet {
  readonly clock = new Clock();
  readonly network: MemoryNetwork;
  readonly cloudRouter = new Router();
  readonly cloud: LocalIdentity;
  readonly listener: SecureChannelListener;
  readonly echoed: { from: string | undefined; payload: Uint8Array }[] = [];
  readonly dropped: string[] = [];
  readonly enrolled = new Set<string>();

  constructor(readonly options: FleetOptions) {
    this.network = new MemoryNetwork({ ...(options.random ? { random: options.random } : {}), ...(options.faults ? { faults: options.faults } : {}) });
    this.network.attach(TransportType.TCP, 'cloud', this.cloudRouter);
    this.cloud = createIdentity(options.provider, NOW_SECONDS, NOW_SECONDS + YEAR);
    this.listener = new SecureChannelListener(this.cloudRouter, {
      name: 'api',
      // Trust every verified peer at the Noise layer; enrollment decides (authorize), as in the cloud.
      handshake: { provider: options.provider, identity: this.cloud, policy: trustCallback(() => true), now: () => NOW_SECONDS },
      authorize: (peer) => (this.enrolled.has(peer.id) ? { ok: true } : { ok: false, reason: 'not enrolled' }),
      clock: this.clock.now,
      events: { dropped: (reason) => { this.dropped.push(reason); } },
      ...options.listener,
    });
    this.cloudRouter.register('echo', {
      handleMessage: (m, context) => {
        this.echoed.push({ from: this.listener.peerOf(m.returnRoute.next())?.identifier, payload: m.payload });
        context.reply(m, m.payload);
      },
    });
  }

  gateway(name: string): Gateway {
    return new Gateway(name, this.network);
  }

  device(name: string, gateway: Gateway, enroll = true): Device {
    const d = new Device(name, this.options.provider);
    if (enroll) this.enrolled.add(d.identity.id);
    d.gateway = gateway;
    gateway.connect(d);
    return d;
  }

  /** Advances the clock in steps, pumping the network and polling every timer. */
  run(ms: number, devices: readonly Device[], step = 100): void {
    const end = this.clock.ms + ms;
    while (this.clock.ms < end) {
      this.network.pump();
      for (const d of devices) d.initiator.poll(this.clock.ms);
      this.listener.poll(this.clock.ms);
      this.network.pump();
      this.clock.ms += step;
    }
  }
}

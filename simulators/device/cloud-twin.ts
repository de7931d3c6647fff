/**
 * A cloud in memory for device tests and measurements: the core's channel listener (`api`,
 * node:crypto) and the two services a device talks to, on the in-memory network or real TCP:
 *
 * - `telemetry` stores each (device, seq) once and answers every batch with the cumulative
 *   ACK (protocol/app/messages.ts): `next` is the first seq neither stored nor below the
 *   device's floor. It counts duplicates it received, so a test can tell "resent and
 *   deduplicated" from "lost" and "stored twice";
 * - `commands` sends commands to a device's `app` through its channel and collects results.
 *
 * Both authenticate the sender by its channel (listener.peerOf): a message that did not come
 * out of a channel is dropped. The real service (cloud/) adds storage, enrollment and an API;
 * this twin exists so the firmware can be tested against the protocol alone.
 */
import { AppMessageType, command, decodeAppMessage, encodeAppMessage, telemetryAck, type CommandResult, type Reading } from '../../protocol/app/messages.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { BurrowError } from '../../protocol/errors.ts';
import { createIdentity, type LocalIdentity } from '../../protocol/identity/identity.ts';
import { trustCallback, type VerifiedPeer } from '../../protocol/identity/trust.ts';
import { Address } from '../../protocol/routing/address.ts';
import { routedMessage, type RoutedMessage } from '../../protocol/routing/message.ts';
import { Route } from '../../protocol/routing/route.ts';
import { Router, type WorkerContext } from '../../protocol/routing/router.ts';
import { SecureChannelListener } from '../../protocol/secure-channel/listener.ts';
import type { World } from './world.ts';

// Our limits.
/** How often the listener expires handshakes and idle channels. */
const POLL_MS = 1000;
const YEAR_SECONDS = 365 * 86_400;

export interface DeviceRecord {
  /** Stored readings by seq: each exactly once. */
  readonly stored: Map<number, Reading>;
  /** The cumulative acknowledgement last sent. */
  next: number;
  /** Readings received again after they were stored (resends the ACK had not yet covered). */
  duplicates: number;
  batches: number;
  readonly results: CommandResult[];
}

export interface CloudTwinOptions {
  readonly world: World;
  /** Puts the router on a network (the in-memory twin, or a real TcpTransport); returns its address. */
  readonly attach: (router: Router) => Address;
  readonly provider: CryptoProvider;
  /** Wall-clock seconds at world time 0. */
  readonly epochSeconds: number;
  /** Its identity; a new one by default. */
  readonly identity?: LocalIdentity;
  readonly authorize?: (peer: VerifiedPeer) => boolean;
}

export class CloudTwin {
  readonly router = new Router();
  readonly identity: LocalIdentity;
  readonly listener: SecureChannelListener;
  readonly address: Address;
  readonly devices = new Map<string, DeviceRecord>();
  /** Listener events (opened, closed, dropped) as text, for test diagnostics. */
  readonly events: string[] = [];
  /** Messages at the services that did not come out of a channel, or did not decode. */
  refused = 0;
  private commandId = 0;
  private readonly o: CloudTwinOptions;
  private stopped = false;

  constructor(options: CloudTwinOptions) {
    this.o = options;
    const seconds = () => options.epochSeconds + Math.floor(options.world.now() / 1000);
    this.identity = options.identity ?? createIdentity(options.provider, seconds(), seconds() + YEAR_SECONDS);
    this.listener = new SecureChannelListener(this.router, {
      name: 'api',
      handshake: { provider: options.provider, identity: this.identity, policy: trustCallback((peer) => options.authorize?.(peer) ?? true), now: seconds },
      clock: () => options.world.now(),
      events: {
        opened: (info) => this.events.push(`opened ${info.identifier}`),
        closed: (info, reason) => this.events.push(`closed ${info.identifier}: ${reason}`),
        dropped: (reason, error) => this.events.push(`dropped: ${reason}${error instanceof BurrowError ? ` (${error.code})` : ""}`),
      },
    });
    this.router.register('telemetry', { handleMessage: (m, c) => this.onTelemetry(m, c) });
    this.router.register('commands', { handleMessage: (m) => this.onResult(m) });
    this.address = options.attach(this.router);
    const poll = (): void => {
      if (this.stopped) return;
      this.listener.poll(options.world.now());
      options.world.at(options.world.now() + POLL_MS, poll);
    };
    options.world.at(options.world.now() + POLL_MS, poll);
  }

  /** Stops the listener's timer (a real-time world would otherwise keep the process alive). */
  stop(): void {
    this.stopped = true;
  }

  record(deviceId: string): DeviceRecord {
    let r = this.devices.get(deviceId);
    if (r === undefined) this.devices.set(deviceId, (r = { stored: new Map(), next: 0, duplicates: 0, batches: 0, results: [] }));
    return r;
  }

  /** Sends a command to a device with an open channel; returns its id, or undefined if none. */
  sendCommand(deviceId: string, name: string, args = '{}'): number | undefined {
    const channel = this.listener.channelOf(deviceId);
    if (channel === undefined) return undefined;
    const id = ++this.commandId;
    const message = routedMessage(Route.of([channel.encryptor, Address.local('app')]), Route.of([Address.local('commands')]), encodeAppMessage(command(id, name, args)));
    this.router.route(message);
    return id;
  }

  private sender(message: RoutedMessage): string | undefined {
    return message.returnRoute.isEmpty ? undefined : this.listener.peerOf(message.returnRoute.next())?.identifier;
  }

  private onTelemetry(message: RoutedMessage, context: WorkerContext): void {
    const id = this.sender(message);
    if (id === undefined) {
      this.refused++;
      return;
    }
    let batch;
    try {
      batch = decodeAppMessage(message.payload);
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
      this.refused++;
      return;
    }
    if (batch.type !== AppMessageType.TELEMETRY) {
      this.refused++;
      return;
    }
    const r = this.record(id);
    r.batches++;
    for (const reading of batch.readings) {
      if (r.stored.has(reading.seq) || reading.seq < r.next) r.duplicates++;
      else r.stored.set(reading.seq, reading);
    }
    r.next = Math.max(r.next, batch.floor);
    while (r.stored.has(r.next)) r.next++;
    context.reply(message, encodeAppMessage(telemetryAck(r.next)));
  }

  private onResult(message: RoutedMessage): void {
    const id = this.sender(message);
    let m;
    try {
      m = id === undefined ? undefined : decodeAppMessage(message.payload);
    } catch (e) {
      if (!(e instanceof BurrowError)) throw e;
    }
    if (id === undefined || m?.type !== AppMessageType.RESULT) {
      this.refused++;
      return;
    }
    this.record(id).results.push(m);
  }
}

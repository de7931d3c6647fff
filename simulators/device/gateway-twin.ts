/**
 * A gateway in memory, just enough to put simulated devices on a route to a cloud in tests and
 * measurements: a router with one UART link per device (the core's UartLink, the same state
 * machine the device runs at its end of the cable) and a TCP hop through the core's in-memory
 * network twin (protocol/routing/memory-transport.ts). The real gateway (gateway/) adds
 * serial ports, BLE, reconnection and store-and-forward; this twin only routes.
 *
 * Device-facing addresses are `uart:<device name>`; an outbound policy lets messages go only
 * to attached devices and to the configured upstream.
 */
import { utf8Decode } from '../../protocol/bytes.ts';
import { BurrowError, RoutingError } from '../../protocol/errors.ts';
import { UartLink } from '../../protocol/framing/uart-link.ts';
import { Address, TransportType } from '../../protocol/routing/address.ts';
import { decodeMessage, encodeMessage } from '../../protocol/routing/codec.ts';
import { stepForward, type RoutedMessage } from '../../protocol/routing/message.ts';
import type { MemoryNetwork } from '../../protocol/routing/memory-transport.ts';
import { Router } from '../../protocol/routing/router.ts';
import type { SimDevice } from './sim-device.ts';
import { UartWire } from './uart-wire.ts';
import type { Cancel, World } from './world.ts';

export class GatewayUartPort {
  readonly link = new UartLink();
  /** Messages from the device the gateway could not route (counted by error code). */
  readonly refused: Record<string, number> = {};
  private timer: Cancel | undefined;
  write: (bytes: Uint8Array) => void = () => {};

  constructor(private readonly world: World, private readonly router: Router, readonly address: Address) {}

  receive(bytes: Uint8Array): void {
    for (const m of this.link.receive(bytes, this.world.now())) {
      try {
        this.router.route(stepForward(decodeMessage(m), this.address));
      } catch (e) {
        if (!(e instanceof BurrowError)) throw e;
        this.refused[e.code] = (this.refused[e.code] ?? 0) + 1;
      }
    }
    this.service();
  }

  send(message: RoutedMessage): void {
    this.link.send(encodeMessage(message));
    this.service();
  }

  service(): void {
    const now = this.world.now();
    for (let frame = this.link.poll(now); frame !== undefined; frame = this.link.poll(now)) this.write(frame);
    this.timer?.cancel();
    const next = this.link.nextDeadline();
    this.timer = next === undefined ? undefined : this.world.at(next, () => this.service());
  }
}

export class GatewayTwin {
  readonly router: Router;
  readonly address: Address;
  private readonly ports = new Map<string, GatewayUartPort>();

  /** Attaches the gateway to `network` as `tcp:<name>`; it forwards only to `upstream` and its devices. */
  constructor(private readonly world: World, network: MemoryNetwork, name: string, upstream: Address) {
    this.router = new Router({ allow: (a) => (a.type === TransportType.UART && this.ports.has(utf8Decode(a.value))) || a.equals(upstream) });
    this.router.registerTransport(TransportType.UART, {
      send: (message) => {
        const head = message.onwardRoute.next();
        const port = this.ports.get(utf8Decode(head.value));
        if (port === undefined) throw new RoutingError('ROUTE_NO_WORKER', `no device at '${head.toString()}'`);
        port.send(message);
      },
    });
    this.address = network.attach(TransportType.TCP, name, this.router);
  }

  /** Cables `device`'s UART `port` to this gateway as `uart:<device name>`. */
  connectUart(device: SimDevice, port: number, baud?: number): { wire: UartWire; port: GatewayUartPort } {
    const gp = new GatewayUartPort(this.world, this.router, new Address(TransportType.UART, device.name));
    const wire = new UartWire(this.world, device.uart(port), (bytes) => gp.receive(bytes), baud);
    gp.write = (bytes) => wire.toDevice(bytes);
    this.ports.set(device.name, gp);
    gp.service();
    return { wire, port: gp };
  }
}

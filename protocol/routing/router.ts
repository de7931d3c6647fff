/**
 * A node's router: looks at the head of a message's onward route and hands the message to a
 * local worker (LOCAL addresses) or to the transport registered for the head's type.
 *
 * Synchronous and timer-free, chosen over Ockam's async mailboxes so the same router runs on a
 * device with no event loop to spare and in tests that pump deliveries by hand. Transports
 * queue what crosses a link, so a network never recurses through the router; only local
 * workers calling send() do, and that depth is the author's own code.
 *
 * Errors are thrown to the caller. A transport that routes what it received from a link
 * should drop and count them: toward the network, a refusal answers nothing.
 */
import { toHex } from '../bytes.ts';
import { ConfigError, RoutingError } from '../errors.ts';
import { Address, formatAddress, TransportType } from './address.ts';
import { routedMessage, stepForward, type RoutedMessage } from './message.ts';
import { Route } from './route.ts';

/** The node-side view a worker gets with each message. */
export interface WorkerContext {
  /** This worker's own LOCAL address. */
  readonly address: Address;
  /** Routes a message by the head of its onward route. */
  send(message: RoutedMessage): void;
  /** Passes a message on as a hop: stepForward with this worker's address, then send. */
  forward(message: RoutedMessage): void;
  /** Answers `to` along its return route, with this worker as the way back. */
  reply(to: RoutedMessage, payload: Uint8Array): void;
}

export interface Worker {
  /** Called with the message as received: its onward head is this worker's address. */
  handleMessage(message: RoutedMessage, context: WorkerContext): void;
}

/** Carries a message over one hop; the head of the onward route names the peer. */
export interface Transport {
  send(message: RoutedMessage): void;
}

export interface RouterOptions {
  /**
   * Outbound policy, asked for every non-local next hop. A gateway allows its configured
   * upstreams (and its device links) and nothing else, so it is never an open proxy.
   */
  readonly allow?: (address: Address) => boolean;
}

interface Registration {
  readonly worker: Worker;
  readonly context: WorkerContext;
}

export class Router {
  private readonly workers = new Map<string, Registration>();
  private readonly transports = new Map<TransportType, Transport>();
  private readonly allow: ((address: Address) => boolean) | undefined;

  constructor(options: RouterOptions = {}) {
    this.allow = options.allow;
  }

  /** Returns the worker's address. Throws CONFIG_INVALID if the name is taken. */
  register(name: string, worker: Worker): Address {
    const address = Address.local(name);
    const key = toHex(address.value);
    if (this.workers.has(key)) throw new ConfigError('CONFIG_INVALID', `worker '${formatAddress(address)}' is already registered`);
    const context: WorkerContext = {
      address,
      send: (message) => this.route(message),
      forward: (message) => this.route(stepForward(message, address)),
      reply: (to, payload) => this.route(routedMessage(to.returnRoute, Route.of([address]), payload)),
    };
    this.workers.set(key, { worker, context });
    return address;
  }

  unregister(name: string): void {
    this.workers.delete(toHex(Address.local(name).value));
  }

  /** One transport per non-local type. Throws CONFIG_INVALID. */
  registerTransport(type: TransportType, transport: Transport): void {
    if (type === TransportType.LOCAL) throw new ConfigError('CONFIG_INVALID', 'LOCAL addresses are delivered to workers, not a transport');
    if (this.transports.has(type)) throw new ConfigError('CONFIG_INVALID', `a transport for type ${type} is already registered`);
    this.transports.set(type, transport);
  }

  /** Throws ROUTE_EMPTY, ROUTE_NO_WORKER (no worker or no transport), ROUTE_FORBIDDEN. */
  route(message: RoutedMessage): void {
    const head = message.onwardRoute.next();
    if (head.isLocal) {
      const registration = this.workers.get(toHex(head.value));
      if (registration === undefined) throw new RoutingError('ROUTE_NO_WORKER', `no worker at '${formatAddress(head)}'`);
      registration.worker.handleMessage(message, registration.context);
      return;
    }
    if (this.allow !== undefined && !this.allow(head)) {
      throw new RoutingError('ROUTE_FORBIDDEN', `outbound policy refuses '${formatAddress(head)}'`);
    }
    const transport = this.transports.get(head.type);
    if (transport === undefined) throw new RoutingError('ROUTE_NO_WORKER', `no transport for '${formatAddress(head)}'`);
    transport.send(message);
  }
}

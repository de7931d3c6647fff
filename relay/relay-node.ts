/**
 * A relay node: a TCP listener, a router and the forwarding service. It routes between the
 * connections it accepted and to registered forwarders, and dials nothing: its outbound policy
 * allows only `tcp:#<n>` (accepted connections), so it is no open proxy onto the internet.
 */
import { utf8Decode } from '../protocol/bytes.ts';
import { TransportType, type Address } from '../protocol/routing/address.ts';
import { Router } from '../protocol/routing/router.ts';
import { silentLogger, type Logger } from '../transport-node/log.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { DEFAULT_LEASE_SECONDS, ForwardingService } from './forwarder.ts';

const isAcceptedConnection = (a: Address) => a.type === TransportType.TCP && utf8Decode(a.value).startsWith('#');

export interface RelayNodeOptions {
  readonly port: number;
  readonly host?: string;
  readonly leaseSeconds?: number;
  readonly log?: Logger;
  readonly clock?: () => number;
}

export class RelayNode {
  readonly router = new Router({ allow: isAcceptedConnection });
  readonly tcp: TcpTransport;
  readonly forwarding: ForwardingService;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RelayNodeOptions) {
    const log = options.log ?? silentLogger;
    const clock = options.clock ?? (() => performance.now());
    this.forwarding = new ForwardingService(this.router, clock, options.leaseSeconds ?? DEFAULT_LEASE_SECONDS, (event, fields) => log.info(fields, event));
    this.tcp = new TcpTransport(this.router, {
      log,
      inboundPolicy: (head) => this.forwarding.accepts(head) || isAcceptedConnection(head),
    });
  }

  async start(): Promise<{ port: number; host: string }> {
    const bound = await this.tcp.listen(this.options.port, this.options.host ?? '127.0.0.1');
    this.timer = setInterval(() => this.forwarding.expire(), 1000);
    this.timer.unref();
    return bound;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tcp.close();
  }
}

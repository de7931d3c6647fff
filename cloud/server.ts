/**
 * `burrow cloud` as a library: the data directory, the service identity, the SQLite store, a
 * CloudNode, the TCP transport (the network may reach only `api` and channel decryptors), the
 * control socket and the timer that expires handshakes, idle channels and overdue commands.
 * Tests start it on port 0 and stop it; the CLI runs it until a signal.
 */
import { randomBytes } from 'node:crypto';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { AccessRules } from './access.ts';
import { ControlRequestError, ControlServer, type ControlHandler } from './control.ts';
import { openDataDir, type DataPaths } from './data-dir.ts';
import { errorFields, type Logger } from './log.ts';
import { CloudNode, LISTENER_NAME, type CloudNodeOptions } from './node.ts';
import { utf8Decode } from '../protocol/bytes.ts';
import type { Address } from '../protocol/routing/address.ts';
import { formatRoute } from '../protocol/routing/route.ts';
import { FORWARDER_PREFIX } from '../relay/forwarder.ts';
import { RELAY_CLIENT, RelayRegistration } from '../relay/registration.ts';
import { loadOrCreateServiceIdentity } from './service-identity.ts';
import { SqliteStore } from './storage/sqlite-store.ts';

// Our limits.
/** Timer period: handshake and idle timeouts are tens of seconds, so a second is precise enough. */
export const POLL_MS = 1000;

type NodeTuning = Pick<CloudNodeOptions, 'handshakeTimeoutMs' | 'idleTimeoutMs' | 'maxChannels' | 'maxPendingHandshakes' | 'commands'>;

export interface CloudServerOptions extends NodeTuning {
  readonly dataDir: string;
  readonly port: number;
  /** Interface to listen on; devices come through gateways on other machines, so 0.0.0.0 in production. */
  readonly host: string;
  readonly log: Logger;
  readonly provider?: CryptoProvider;
  readonly pollMs?: number;
  /**
   * Reach the service through a relay instead of a listening port (a cloud behind NAT): it
   * dials the relay, registers `name` there and opens no port at all. Devices then route to
   * `address => fwd.<name> => api`.
   */
  readonly relay?: { readonly address: string; readonly name: string };
}

export interface RunningCloud {
  readonly node: CloudNode;
  readonly tcp: TcpTransport;
  readonly paths: DataPaths;
  /** Where it listens (0 with a relay: no port at all). */
  readonly host: string;
  readonly port: number;
  /** The route to the channel listener, as devices write it (e.g. `tcp:h:p => api`). */
  readonly reachableAt: string;
  stop(): Promise<void>;
}

const field = (body: unknown, name: string): string => {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') throw new ControlRequestError(400, `field '${name}' must be a string`);
  return value;
};

function controlHandler(node: CloudNode, listening: string, startedAt: number, tcp: TcpTransport): ControlHandler {
  return (method, path, body) => {
    if (method === 'GET' && path === '/status') {
      return {
        status: 200,
        body: {
          identifier: node.identity.id, listening, startedAt,
          channels: node.status(),
          pendingHandshakes: node.listener.pendingCount,
          counters: {
            tcp: tcp.counters, listener: node.dropped,
            telemetry: node.telemetry.counters, commands: node.commands.counters, echo: node.echo.counters,
          },
        },
      };
    }
    if (method === 'POST' && path === '/commands') {
      return { status: 201, body: { command: node.commands.queue(field(body, 'device'), field(body, 'name'), field(body, 'args')) } };
    }
    if (method === 'POST' && path === '/revoke') return { status: 200, body: node.revoke(field(body, 'identifier')) };
    return { status: 404, body: { error: `no ${method} ${path}` } };
  };
}

export async function startCloud(o: CloudServerOptions): Promise<RunningCloud> {
  const provider = o.provider ?? nodeCryptoProvider((n) => new Uint8Array(randomBytes(n)));
  const paths = openDataDir(o.dataDir);
  const { identity, created, renewed } = loadOrCreateServiceIdentity(provider, paths, Math.floor(Date.now() / 1000));
  if (created) o.log.info({ identifier: identity.id, dataDir: paths.dir }, 'created the service identity');
  if (renewed) o.log.info({ identifier: identity.id, expires: new Date(identity.attestation.expires * 1000).toISOString() }, 'renewed the static key attestation');
  const store = new SqliteStore(paths.database);
  let control: ControlServer | undefined;
  let tcp: TcpTransport | undefined;
  try {
    const access = AccessRules.load(paths.accessRules);
    const node = new CloudNode({
      store, identity, provider, log: o.log, access,
      ...pick(o, ['handshakeTimeoutMs', 'idleTimeoutMs', 'maxChannels', 'maxPendingHandshakes', 'commands']),
    });
    const registration = o.relay === undefined ? undefined : new RelayRegistration(node.router, o.relay.address, o.relay.name, () => Date.now(), {
      registered: (name, expiresIn) => o.log.debug({ relay: o.relay!.address, name, expiresIn }, 'registered at the relay'),
      failed: (reason) => o.log.warn({ relay: o.relay!.address, reason }, 'relay registration failed'),
    });
    const fromRelay = (head: Address) => registration !== undefined && head.isLocal && utf8Decode(head.value) === RELAY_CLIENT;
    const transport = new TcpTransport(node.router, { log: o.log, inboundPolicy: (head) => node.listener.acceptsFromNetwork(head) || fromRelay(head) });
    tcp = transport;
    const startedAt = Date.now();
    let listening = '';
    // The control socket first: a second service on the same data directory stops here,
    // before it takes a port.
    control = await ControlServer.listen(paths.controlSocket, (m, p, b) => controlHandler(node, listening, startedAt, transport)(m, p, b), o.log);
    let bound = { host: o.host, port: 0 };
    let reachableAt: string;
    if (registration === undefined) {
      bound = await transport.listen(o.port, o.host);
      listening = `tcp:${bound.host}:${bound.port}`;
      reachableAt = `${listening} => ${LISTENER_NAME}`;
    } else {
      listening = `relay ${o.relay!.address} as ${FORWARDER_PREFIX}${o.relay!.name}`;
      reachableAt = formatRoute(registration.routeTo(LISTENER_NAME));
      registration.poll(Date.now());
    }
    const timer = setInterval(() => {
      try {
        registration?.poll(Date.now());
        node.poll();
      } catch (e) {
        // A storage hiccup (e.g. the database busy beyond its timeout) waits for the next tick.
        o.log.error({ ...errorFields(e) }, 'periodic work failed');
      }
    }, o.pollMs ?? POLL_MS);
    o.log.info({ identifier: identity.id, listening, dataDir: paths.dir, restrictedServices: access.restricted }, 'cloud service started');
    const openControl = control;
    let stopped = false;
    return {
      node, tcp: transport, paths, host: bound.host, port: bound.port, reachableAt,
      async stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        node.shutdown();
        // Let the CLOSE messages reach the sockets before they are destroyed.
        await new Promise((resolve) => setImmediate(resolve));
        await transport.close();
        await openControl.close();
        store.close();
        o.log.info({}, 'cloud service stopped');
      },
    };
  } catch (e) {
    await tcp?.close();
    await control?.close();
    store.close();
    throw e;
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

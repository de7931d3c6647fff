/**
 * The newcomer's first minute (README "Hello, Burrow"), Burrow's take on Ockam's hello world:
 *
 *   burrow node create <name>                       an identity in .burrow/nodes/<name> (0600)
 *   burrow node serve <name> [--port P | --relay tcp:H:P] --authorized <id> ...
 *                                                   a secure channel listener at `api` with
 *                                                   `uppercase` and `echo` services
 *   burrow send <name> --to <route to api> --authorized <id> <service> <text>
 *                                                   one channel, one message, prints the reply
 *
 * Authorization is mutual and by identifier: the server accepts only the identifiers it was
 * given, the sender only the identifier it expects to reach.
 */
import { join, resolve } from 'node:path';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { loadOrCreateServiceIdentity } from '../cloud/service-identity.ts';
import { openDataDir } from '../cloud/data-dir.ts';
import { utf8Decode, utf8Encode } from '../protocol/bytes.ts';
import type { LocalIdentity } from '../protocol/identity/identity.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { allowList } from '../protocol/identity/trust.ts';
import { parseRoute, route } from '../protocol/routing/route.ts';
import { Router } from '../protocol/routing/router.ts';
import { SecureChannelInitiator } from '../protocol/secure-channel/initiator.ts';
import { SecureChannelListener } from '../protocol/secure-channel/listener.ts';
import { RelayRegistration } from '../relay/registration.ts';
import { TcpTransport } from '../transport-node/tcp.ts';
import { integerFlag, parseCommandLine, UsageError } from './args.ts';

const NODES_DIR = '.burrow/nodes';
const provider = nodeCryptoProvider();
const clock = () => performance.now();
const wallSeconds = () => Math.floor(Date.now() / 1000);

function nodeIdentity(name: string | undefined, data: string | undefined): { identity: LocalIdentity; created: boolean } {
  if (name === undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new UsageError('a node name (letters, digits, _ . -) is required');
  const paths = openDataDir(resolve(data ?? join(NODES_DIR, name)));
  return loadOrCreateServiceIdentity(provider, paths, wallSeconds());
}

function authorizedIds(values: string[] | undefined): string[] {
  if (values === undefined || values.length === 0) throw new UsageError('--authorized <identifier> is required (mutual authorization by identifier)');
  for (const id of values) {
    try {
      parseIdentifier(id);
    } catch {
      throw new UsageError(`'${id.slice(0, 60)}' is not an identifier (I followed by 40 hex digits)`);
    }
  }
  return values;
}

const NODE_USAGE = `Usage:
  burrow node create <name> [--data DIR]
  burrow node serve <name> [--port 4000 | --relay tcp:HOST:PORT] --authorized <identifier> ... [--data DIR]

create: makes (or shows) the node's identity; prints its identifier.
serve:  runs a secure channel listener at 'api' with the services 'uppercase' and 'echo', for
        the authorized identifiers only. With --relay it opens no port: it registers the
        name <name> at the relay, reachable at "tcp:HOST:PORT => fwd.<name> => api".`;

export async function runNode(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    data: { type: 'string' }, port: { type: 'string' }, relay: { type: 'string' }, authorized: { type: 'string', multiple: true },
  }, NODE_USAGE);
  if (parsed === undefined) return 0;
  const [verb, name] = parsed.positionals;
  const v = parsed.values;
  if (verb === 'create') {
    const { identity, created } = nodeIdentity(name, v.data);
    console.log(identity.id);
    console.error(created ? `created node '${name}'` : `node '${name}' already exists`);
    return 0;
  }
  if (verb !== 'serve') throw new UsageError(`unknown 'node' action '${verb ?? ''}'\n\n${NODE_USAGE}`);
  const { identity } = nodeIdentity(name, v.data);
  const authorized = authorizedIds(v.authorized);
  const router = new Router();
  const listener = new SecureChannelListener(router, {
    name: 'api', clock,
    handshake: { provider, identity, policy: allowList(authorized), now: wallSeconds },
    events: {
      opened: (c) => console.error(`channel from ${c.identifier} opened`),
      closed: (c, reason) => console.error(`channel from ${c.identifier} closed: ${reason}`),
      dropped: (reason) => console.error(`dropped: ${reason}`),
    },
  });
  const fromChannel = (m: { returnRoute: { next(): import('../protocol/routing/address.ts').Address } }) => listener.peerOf(m.returnRoute.next()) !== undefined;
  router.register('uppercase', { handleMessage: (m, c) => { if (fromChannel(m)) c.reply(m, utf8Encode(utf8Decode(m.payload).toUpperCase())); } });
  router.register('echo', { handleMessage: (m, c) => { if (fromChannel(m)) c.reply(m, m.payload); } });
  let registration: RelayRegistration | undefined;
  const tcp = new TcpTransport(router, { inboundPolicy: (head) => listener.acceptsFromNetwork(head) || (registration !== undefined && head.isLocal && utf8Decode(head.value) === 'relay-client') });
  console.log(identity.id);
  if (v.relay !== undefined) {
    registration = new RelayRegistration(router, v.relay, name!, clock, {
      registered: () => console.error(`reachable at "${String(registration!.routeTo('api'))}"`),
      failed: (why) => console.error(`relay registration failed: ${why}`),
    });
  } else {
    const { host, port } = await tcp.listen(integerFlag(v.port, 'port', 4000, 0, 65535));
    console.error(`listening: reach 'api' at "tcp:${host}:${port} => api" (Ctrl-C to stop)`);
  }
  const timer = setInterval(() => { registration?.poll(clock()); listener.poll(clock()); }, 200);
  registration?.poll(clock());
  await new Promise<void>((r) => { process.once('SIGINT', r); process.once('SIGTERM', r); });
  clearInterval(timer);
  listener.shutdown();
  await tcp.close();
  return 0;
}

const SEND_USAGE = `Usage: burrow send <name> --to <route to api> --authorized <identifier> <service> <text> [--timeout 10]

Opens a secure channel as node <name> to the listener the route names, checks that the
listener is the authorized identifier, sends <text> to <service> through the channel and
prints the reply. Routes are written hop by hop: "tcp:127.0.0.1:4000 => api".`;

export async function runSend(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    data: { type: 'string' }, to: { type: 'string' }, authorized: { type: 'string', multiple: true }, timeout: { type: 'string' },
  }, SEND_USAGE);
  if (parsed === undefined) return 0;
  const [name, service, ...words] = parsed.positionals;
  const v = parsed.values;
  if (v.to === undefined || service === undefined || words.length === 0) throw new UsageError(SEND_USAGE);
  let to;
  try {
    to = parseRoute(v.to);
  } catch (e) {
    throw new UsageError(`--to: ${(e as Error).message}`);
  }
  const { identity } = nodeIdentity(name, v.data);
  const authorized = authorizedIds(v.authorized);
  const timeoutMs = integerFlag(v.timeout, 'timeout', 10, 1, 3600) * 1000;
  const router = new Router();
  const tcp = new TcpTransport(router);
  let problem = '';
  const initiator = new SecureChannelInitiator(router, {
    name: 'channel', route: to, clock, resendMs: 500,
    handshake: { provider, identity, policy: allowList(authorized), now: wallSeconds },
    events: { dropped: (reason) => { problem = reason; } },
  });
  const reply = new Promise<string>((resolveReply) => {
    router.register('cli', { handleMessage: (m) => resolveReply(utf8Decode(m.payload)) });
  });
  let onEstablished = () => {};
  const established = new Promise<void>((r) => { onEstablished = r; });
  initiator.start();
  const timer = setInterval(() => {
    initiator.poll(clock());
    if (initiator.state === 'established') onEstablished();
  }, 10);
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  try {
    if ((await Promise.race([established, timeout])) === 'timeout') {
      console.error(`burrow send: no secure channel within ${timeoutMs / 1000} s${problem ? ` (last problem: ${problem})` : ''}`);
      return 1;
    }
    console.error(`secure channel established with ${initiator.peer!.id}`);
    router.route({ onwardRoute: route(initiator.encryptor, service), returnRoute: route('cli'), payload: utf8Encode(words.join(' ')) });
    const answer = await Promise.race([reply, timeout]);
    if (answer === 'timeout') {
      console.error(`burrow send: no reply from '${service}' within ${timeoutMs / 1000} s`);
      return 1;
    }
    console.log(answer);
    initiator.close('done');
    await new Promise((r) => setTimeout(r, 50));
    return 0;
  } finally {
    clearInterval(timer);
    await tcp.close();
  }
}

/**
 * `burrow relay [--port 4100] [--host 127.0.0.1] [--lease 60]`: runs a relay node (see
 * relay/forwarder.ts) until Ctrl-C, printing registrations as they come and go.
 */
import { pino } from 'pino';
import { RelayNode } from '../relay/relay-node.ts';
import { integerFlag, parseCommandLine } from './args.ts';

const USAGE = `Usage: burrow relay [--port 4100] [--host 127.0.0.1] [--lease 60] [--log-level info]

Runs a relay: nodes that accept no connections (a cloud behind NAT) dial it and register a
name; others reach them at [tcp:<relay host>:<port>, fwd.<name>, <worker>]. The relay routes
ciphertext between connections and never dials out. Listens on 127.0.0.1 unless --host says
otherwise (use 0.0.0.0 to serve other machines).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    port: { type: 'string' }, host: { type: 'string' }, lease: { type: 'string' }, 'log-level': { type: 'string' },
  }, USAGE);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  const log = pino({ level: v['log-level'] ?? 'info', base: { service: 'burrow-relay' } });
  const relay = new RelayNode({
    port: integerFlag(v.port, 'port', 4100, 0, 65535),
    host: v.host ?? '127.0.0.1',
    leaseSeconds: integerFlag(v.lease, 'lease', 60, 5, 86400),
    log,
  });
  const bound = await relay.start();
  console.error(`burrow relay listening on tcp:${bound.host}:${bound.port} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await relay.stop();
  console.error('burrow relay stopped');
  return 0;
}

/**
 * `burrow cloud [--port 4000] [--host 0.0.0.0] [--data DIR] [--log-level info]`: runs the
 * cloud service (cloud/server.ts) until SIGINT or SIGTERM, logging JSON lines to stdout.
 */
import { jsonLogger, type LogLevel } from '../cloud/log.ts';
import { startCloud } from '../cloud/server.ts';
import { integerFlag, parseCommandLine, UsageError } from './args.ts';
import { DATA_HELP, reportErrors } from './cloud-args.ts';
import { resolveDataDir } from '../cloud/data-dir.ts';

const USAGE = `Usage: burrow cloud [--port 4000] [--host 0.0.0.0] [--relay tcp:HOST:PORT [--name cloud]] [--data DIR] [--log-level info]

Runs the cloud service: TCP listener, secure-channel listener at 'api', device registry and
the telemetry, commands and echo services. Creates the service identity on first start.
Operators talk to it through burrow status, command, revoke (control socket
<data>/control.sock) and burrow readings, enroll, ticket (the database).

  --port N       TCP port (default 4000; 0 picks a free one)
  --host H       interface (default 0.0.0.0: devices come from gateways on other machines)
  --relay A      open no port: dial the relay at A (burrow relay) and register there; devices
                 route to "A => fwd.<name> => api"
  --name N       the name registered at the relay (default cloud)
  ${DATA_HELP}
  --log-level L  debug, info, warn or error (default info)`;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, 'log-level': { type: 'string' },
    relay: { type: 'string' }, name: { type: 'string' },
  }, USAGE);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  const level = (v['log-level'] ?? 'info') as LogLevel;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  const port = integerFlag(v.port, 'port', 4000, 0, 65535);
  if (v.relay !== undefined && v.port !== undefined) throw new UsageError('--relay and --port exclude each other: with a relay the service opens no port');
  if (v.name !== undefined && v.relay === undefined) throw new UsageError('--name goes with --relay');
  if (v.relay !== undefined && !/^tcp:[^\s:]+:[0-9]+$/.test(v.relay)) throw new UsageError('--relay must be tcp:HOST:PORT');
  const relay = v.relay === undefined ? {} : { relay: { address: v.relay, name: v.name ?? 'cloud' } };
  return reportErrors('cloud', async () => {
    const cloud = await startCloud({ dataDir: resolveDataDir(v.data), port, host: v.host ?? '0.0.0.0', log: jsonLogger(level), ...relay });
    console.error(`burrow cloud ${cloud.node.identity.id}: devices route to "${cloud.reachableAt}" (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await cloud.stop();
    return 0;
  });
}

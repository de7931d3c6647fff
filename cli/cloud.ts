/**
 * `burrow cloud [--port 4000] [--host 0.0.0.0] [--data DIR] [--log-level info]`: runs the
 * cloud service (cloud/server.ts) until SIGINT or SIGTERM, logging JSON lines to stdout.
 */
import { jsonLogger, type LogLevel } from '../cloud/log.ts';
import { startCloud } from '../cloud/server.ts';
import { integerFlag, parseCommandLine, UsageError } from './args.ts';
import { DATA_HELP, reportErrors } from './cloud-args.ts';
import { resolveDataDir } from '../cloud/data-dir.ts';

const USAGE = `Usage: burrow cloud [--port 4000] [--host 0.0.0.0] [--data DIR] [--log-level info]

Runs the cloud service: TCP listener, secure-channel listener at 'api', device registry and
the telemetry, commands and echo services. Creates the service identity on first start.
Operators talk to it through burrow status, command, revoke (control socket
<data>/control.sock) and burrow readings, enroll, ticket (the database).

  --port N       TCP port (default 4000; 0 picks a free one)
  --host H       interface (default 0.0.0.0: devices come from gateways on other machines)
  ${DATA_HELP}
  --log-level L  debug, info, warn or error (default info)`;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, 'log-level': { type: 'string' },
  }, USAGE);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  const level = (v['log-level'] ?? 'info') as LogLevel;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  const port = integerFlag(v.port, 'port', 4000, 0, 65535);
  return reportErrors('cloud', async () => {
    const cloud = await startCloud({ dataDir: resolveDataDir(v.data), port, host: v.host ?? '0.0.0.0', log: jsonLogger(level) });
    console.error(`burrow cloud ${cloud.node.identity.id} listening on tcp:${cloud.host}:${cloud.port} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await cloud.stop();
    return 0;
  });
}

/**
 * `burrow status [--json] [--data DIR]`: the running service's channels (peer identifier,
 * attributes, current route, age, idle time, message counts), asked over its control socket.
 */
import { controlRequest } from '../cloud/control.ts';
import type { ChannelStatus } from '../cloud/node.ts';
import { parseCommandLine, UsageError } from './args.ts';
import { DATA_HELP, dataDir, reportErrors } from './cloud-args.ts';

const USAGE = `Usage: burrow status [--json] [--data DIR]

Lists the running cloud service's channels: peer identifier, attributes, route, age, idle
time, messages sent and received.

  --json       the service's whole status object
  ${DATA_HELP}`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, { data: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (parsed === undefined) return 0;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  return reportErrors('status', async () => {
    const paths = dataDir(parsed.values.data, false);
    const answer = await controlRequest(paths.controlSocket, 'GET', '/status');
    if (answer === undefined) {
      console.error(`burrow status: no cloud service is running on ${paths.dir}`);
      return 1;
    }
    if (parsed.values.json) {
      console.log(JSON.stringify(answer.body));
      return 0;
    }
    const channels = answer.body['channels'] as ChannelStatus[];
    console.log(`service ${String(answer.body['identifier'])} on ${String(answer.body['listening'])}, ${channels.length} channel(s), ${String(answer.body['pendingHandshakes'])} handshake(s) pending`);
    for (const c of channels) {
      const attributes = Object.entries(c.attributes).map(([k, val]) => `${k}=${val}`).join(',') || '-';
      console.log(`${c.identifier}  ${attributes}  ${c.route}  age ${seconds(c.ageMs)}  idle ${seconds(c.idleMs)}  sent ${c.sent}  received ${c.received}${c.rejected > 0 ? `  rejected ${c.rejected}` : ''}${c.roams > 0 ? `  roams ${c.roams}` : ''}`);
    }
    return 0;
  });
}

/**
 * `burrow command <device> <name> [args-json] [--wait 10s] [--data DIR]`: queues a downlink
 * command and waits for its outcome. Through the running service when there is one (it sends
 * at once if the device's channel is up), else into the database, to be sent when the service
 * runs and the device connects. `burrow command list [--device ID]` shows recent commands.
 */
import { controlRequest } from '../cloud/control.ts';
import { checkCommand } from '../cloud/services/commands.ts';
import type { CommandRecord } from '../cloud/storage/store.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { integerFlag, parseCommandLine, UsageError } from './args.ts';
import { durationFlag } from './args.ts';
import { DATA_HELP, dataDir, openStore, reportErrors } from './cloud-args.ts';
import type { DataPaths } from '../cloud/data-dir.ts';

const USAGE = `Usage: burrow command <device> <name> [args-json] [--wait 10s] [--data DIR]
       burrow command list [--device ID] [--limit N] [--data DIR]

Queues a command for a device (e.g. set-interval '{"ms":5000}', identify '{"blinks":3}',
status) and waits up to --wait (default 10s; 0 to return at once) for its result. A device
without a channel gets it when it next connects. Exit status: 0 done or still pending, 1 failed.

  ${DATA_HELP}`;

const POLL_MS = 200;

function describe(c: CommandRecord): string {
  const result = c.result === undefined ? '' : `  ${c.result}`;
  return `#${c.id}  ${c.device}  ${c.name} ${c.args}  ${c.state}${c.deliveries > 1 ? ` (${c.deliveries} deliveries)` : ''}${result}`;
}

async function queue(paths: DataPaths, device: string, name: string, args: string): Promise<{ command: CommandRecord; viaService: boolean }> {
  checkCommand(device, name, args);
  const answer = await controlRequest(paths.controlSocket, 'POST', '/commands', { device, name, args });
  if (answer !== undefined) {
    if (answer.status !== 201) throw new UsageError(String(answer.body['error']));
    return { command: answer.body['command'] as CommandRecord, viaService: true };
  }
  const store = openStore(paths);
  try {
    const known = store.device(device);
    if (known === undefined || known.revokedAt !== undefined) throw new UsageError(`${device} is not an enrolled device`);
    return { command: store.queueCommand(device, name, args, Date.now()), viaService: false };
  } finally {
    store.close();
  }
}

/** Polls the database until the command is done or failed, or the time is up. */
async function awaitOutcome(paths: DataPaths, id: number, waitMs: number): Promise<CommandRecord | undefined> {
  const store = openStore(paths, true);
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const c = store.command(id);
      if (c === undefined || c.state === 'done' || c.state === 'failed' || Date.now() >= deadline) return c;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    store.close();
  }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    data: { type: 'string' }, wait: { type: 'string' }, device: { type: 'string' }, limit: { type: 'string' },
  }, USAGE);
  if (parsed === undefined) return 0;
  const v = parsed.values;
  const [first, name, argsJson, ...extra] = parsed.positionals;
  return reportErrors('command', async () => {
    const paths = dataDir(v.data, true);
    if (first === 'list') {
      if (name !== undefined) throw new UsageError(`unexpected '${name}'\n\n${USAGE}`);
      if (v.device !== undefined) parseIdentifier(v.device);
      const store = openStore(paths, true);
      try {
        for (const c of store.commands(v.device, integerFlag(v.limit, 'limit', 20, 1, 10_000))) console.log(describe(c));
      } finally {
        store.close();
      }
      return 0;
    }
    if (first === undefined || name === undefined || extra.length > 0) throw new UsageError(`expected <device> <name> [args-json]\n\n${USAGE}`);
    const { command, viaService } = await queue(paths, first, name, argsJson ?? '{}');
    if (!viaService) console.error('no cloud service is running: queued in the database, sent when the service runs and the device connects');
    const outcome = v.wait === '0' ? command : await awaitOutcome(paths, command.id, v.wait === undefined ? 10_000 : durationFlag(v.wait, 'wait'));
    const c = outcome ?? command;
    console.log(describe(c));
    return c.state === 'failed' ? 1 : 0;
  });
}

/**
 * `burrow revoke <identifier> [--data DIR]`: revokes a device. Through the running service
 * when there is one (it also closes the device's live channel at once), else in the registry
 * directly; either way the device can open no channel any more.
 */
import { controlRequest } from '../cloud/control.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { parseCommandLine, UsageError } from './args.ts';
import { cliRegistry, DATA_HELP, dataDir, openStore, reportErrors } from './cloud-args.ts';

const USAGE = `Usage: burrow revoke <identifier> [--data DIR]

Revokes an enrolled device: it can open no channel, and a running service closes the channel
it has now. Undo with burrow enroll.

  ${DATA_HELP}`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, { data: { type: 'string' } }, USAGE);
  if (parsed === undefined) return 0;
  const [identifier, ...extra] = parsed.positionals;
  if (identifier === undefined || extra.length > 0) throw new UsageError(`expected one identifier\n\n${USAGE}`);
  return reportErrors('revoke', async () => {
    parseIdentifier(identifier);
    const paths = dataDir(parsed.values.data, true);
    let revoked: boolean;
    let closed = false;
    const answer = await controlRequest(paths.controlSocket, 'POST', '/revoke', { identifier });
    if (answer !== undefined) {
      if (answer.status !== 200) throw new UsageError(String(answer.body['error']));
      revoked = answer.body['revoked'] === true;
      closed = answer.body['closed'] === true;
    } else {
      const store = openStore(paths);
      try {
        revoked = cliRegistry(store).revoke(identifier);
      } finally {
        store.close();
      }
    }
    if (!revoked) {
      console.error(`burrow revoke: ${identifier} is not enrolled, or already revoked`);
      return 1;
    }
    console.log(`revoked ${identifier}${closed ? '; closed its live channel' : ''}`);
    return 0;
  });
}

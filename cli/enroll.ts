/**
 * `burrow enroll <identifier> [--attr key=value ...] [--data DIR]`: the operator's enrollment.
 * Writes the registry directly (a running service reads it at the device's next handshake);
 * re-enrolling replaces the attributes and lifts a revocation.
 */
import { parseAttributes, formatAttributes } from '../cloud/attributes.ts';
import { parseCommandLine, UsageError } from './args.ts';
import { cliRegistry, DATA_HELP, dataDir, openStore, reportErrors } from './cloud-args.ts';

const USAGE = `Usage: burrow enroll <identifier> [--attr key=value ...] [--data DIR]

Enrolls a device identity (I + 40 hex digits) so it may open a channel, with attributes that
access rules match on (e.g. --attr role=sensor). Enrolling again replaces the attributes and
lifts a revocation.

  --attr K=V   attribute (repeatable)
  ${DATA_HELP}`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, { data: { type: 'string' }, attr: { type: 'string', multiple: true } }, USAGE);
  if (parsed === undefined) return 0;
  const [identifier, ...extra] = parsed.positionals;
  if (identifier === undefined || extra.length > 0) throw new UsageError(`expected one identifier\n\n${USAGE}`);
  return reportErrors('enroll', () => {
    const attributes = parseAttributes(parsed.values.attr ?? []);
    const store = openStore(dataDir(parsed.values.data, true));
    try {
      const { created } = cliRegistry(store).enroll(identifier, attributes);
      console.log(`${created ? 'enrolled' : 're-enrolled'} ${identifier}${Object.keys(attributes).length > 0 ? ` (${formatAttributes(attributes)})` : ''}`);
      return 0;
    } finally {
      store.close();
    }
  });
}

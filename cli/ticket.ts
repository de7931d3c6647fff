/**
 * `burrow ticket create [--attr key=value ...] [--ttl 1h] [--json] [--data DIR]`: a one-time
 * enrollment ticket. The secret goes to stdout once (for provisioning a device: it presents
 * the 16 bytes in its first handshake) and is stored only as a hash; expiry and attributes go
 * to stderr, so `$(burrow ticket create)` captures the secret alone.
 */
import { randomBytes } from 'node:crypto';
import { formatAttributes, parseAttributes } from '../cloud/attributes.ts';
import { DEFAULT_TICKET_TTL_MS } from '../cloud/tickets.ts';
import { parseCommandLine, UsageError } from './args.ts';
import { durationFlag } from './args.ts';
import { cliRegistry, DATA_HELP, dataDir, openStore, reportErrors } from './cloud-args.ts';

const USAGE = `Usage: burrow ticket create [--attr key=value ...] [--ttl 1h] [--json] [--data DIR]

Creates a short-lived, single-use enrollment ticket: a device that presents it in its first
handshake is enrolled with these attributes. Prints the secret (32 hex digits) once; only its
hash is stored.

  --attr K=V   attribute the device gets (repeatable)
  --ttl T      lifetime: 90s, 15m, 2h, 7d (default 1h, at most 30d)
  --json       {"ticket", "expiresAt", "attributes"} on stdout
  ${DATA_HELP}`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    data: { type: 'string' }, attr: { type: 'string', multiple: true }, ttl: { type: 'string' }, json: { type: 'boolean' },
  }, USAGE);
  if (parsed === undefined) return 0;
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'create') throw new UsageError(`expected 'create'\n\n${USAGE}`);
  return reportErrors('ticket', () => {
    const attributes = parseAttributes(parsed.values.attr ?? []);
    const ttl = parsed.values.ttl === undefined ? DEFAULT_TICKET_TTL_MS : durationFlag(parsed.values.ttl, 'ttl');
    const store = openStore(dataDir(parsed.values.data, true));
    try {
      const ticket = cliRegistry(store).issueTicket(attributes, ttl, (n) => new Uint8Array(randomBytes(n)));
      const expiresAt = new Date(ticket.expiresAt).toISOString();
      if (parsed.values.json) {
        console.log(JSON.stringify({ ticket: ticket.secret, expiresAt, attributes }));
      } else {
        console.log(ticket.secret);
        console.error(`single use, expires ${expiresAt}${Object.keys(attributes).length > 0 ? `, enrolls with ${formatAttributes(attributes)}` : ''}`);
      }
      return 0;
    } finally {
      store.close();
    }
  });
}

/**
 * `burrow readings [--device ID] [--since T] [--limit N] [--follow] [--json] [--data DIR]`:
 * stored telemetry, read from the database directly (read-only; WAL lets it run beside the
 * service). `--follow` keeps printing new readings as they are stored, by polling for ids
 * above the last one printed, until Ctrl-C.
 */
import { formatReading } from '../cloud/readings-format.ts';
import type { ReadingQuery, StoredReading } from '../cloud/storage/store.ts';
import { parseIdentifier } from '../protocol/identity/identifier.ts';
import { integerFlag, parseCommandLine, UsageError } from './args.ts';
import { DATA_HELP, dataDir, openStore, parseSince, reportErrors } from './cloud-args.ts';

const USAGE = `Usage: burrow readings [--device ID] [--since T] [--limit N] [--follow] [--json] [--data DIR]

Prints stored readings, oldest first: the newest N (default 50), or with --since those
received since T (an ISO time, or a duration ago such as 10m), up to N.

  --device ID  one device's readings
  --follow     keep printing new readings until Ctrl-C
  --json       one JSON object per line
  ${DATA_HELP}`;

// Our limits.
const FOLLOW_POLL_MS = 500;
const MAX_LIMIT = 100_000;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, {
    data: { type: 'string' }, device: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' },
    follow: { type: 'boolean' }, json: { type: 'boolean' },
  }, USAGE);
  if (parsed === undefined) return 0;
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected '${parsed.positionals[0]}'\n\n${USAGE}`);
  const v = parsed.values;
  const limit = integerFlag(v.limit, 'limit', 50, 1, MAX_LIMIT);
  return reportErrors('readings', async () => {
    if (v.device !== undefined) parseIdentifier(v.device);
    const store = openStore(dataDir(v.data, false), true);
    const print = (r: StoredReading) => console.log(v.json ? JSON.stringify(r) : formatReading(r));
    try {
      const base: ReadingQuery = {
        limit,
        ...(v.device !== undefined ? { device: v.device } : {}),
        ...(v.since !== undefined ? { sinceMs: parseSince(v.since, Date.now()) } : { newest: true }),
      };
      let last = 0;
      for (const r of store.readings(base)) {
        print(r);
        last = r.id;
      }
      if (!v.follow) return 0;
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      let stopped = false;
      void stop.then(() => { stopped = true; });
      while (!stopped) {
        await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS))]);
        for (const r of store.readings({ ...base, newest: false, afterId: last, limit: MAX_LIMIT })) {
          print(r);
          last = r.id;
        }
      }
      return 0;
    } finally {
      store.close();
    }
  });
}

/**
 * What the cloud's CLI commands share: the `--data` option and its resolution, opening the
 * store, durations and times as people write them, and turning typed errors into one line on
 * stderr instead of a stack trace.
 */
import { BurrowError } from '../protocol/errors.ts';
import { dataPaths, openDataDir, resolveDataDir, type DataPaths } from '../cloud/data-dir.ts';
import { silentLogger } from '../transport-node/log.ts';
import { Registry } from '../cloud/registry.ts';
import { SqliteStore } from '../cloud/storage/sqlite-store.ts';
import { durationFlag, UsageError } from './args.ts';

export const DATA_HELP = `--data DIR   data directory (default $BURROW_DATA, else ./.burrow/cloud)`;

/** The data directory, created (0700) when `create`, else only located. */
export function dataDir(flag: string | undefined, create: boolean): DataPaths {
  const dir = resolveDataDir(flag);
  return create ? openDataDir(dir) : dataPaths(dir);
}

/** Opens the database of a data directory (read-only never creates one). */
export function openStore(paths: DataPaths, readonly = false): SqliteStore {
  return new SqliteStore(paths.database, { readonly });
}

/** The registry as the CLI uses it: the CLI prints what happened, so the registry logs nothing. */
export const cliRegistry = (store: SqliteStore): Registry => new Registry(store, () => Date.now(), silentLogger);

/** An ISO 8601 time, or a duration meaning "that long ago" ('10m'). Returns wall-clock ms. */
export function parseSince(text: string, now: number): number {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(text)) return now - durationFlag(text, 'since');
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since must be an ISO time (2025-06-01T12:00:00Z) or a duration ago (10m), got '${text}'`);
  return t;
}

/** Runs a command body; a typed error becomes `burrow <command>: <message>` and exit status 1. */
export async function reportErrors(command: string, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (!(e instanceof BurrowError)) throw e;
    console.error(`burrow ${command}: ${e.message}`);
    return 1;
  }
}

/**
 * The cloud's data directory: where the service identity, the database and the control socket
 * live. One directory, 0700, so that whoever can read the database can also read the key, and
 * nobody else can read either.
 *
 *   <dir>/identity.bin   service identity and Noise static key (protocol/identity/identity.ts
 *                        stored form), 0600, written atomically
 *   <dir>/burrow.db      SQLite registry, readings, commands (WAL: plus -wal and -shm files)
 *   <dir>/control.sock   control socket of a running `burrow cloud` (HTTP over a Unix socket)
 *   <dir>/access.json    optional per-service access rules (cloud/access.ts)
 *
 * Resolution: `--data DIR`, else $BURROW_DATA, else ./.burrow/cloud.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../protocol/errors.ts';

export const DEFAULT_DATA_DIR = '.burrow/cloud';
export const DATA_ENV = 'BURROW_DATA';

export interface DataPaths {
  readonly dir: string;
  readonly identity: string;
  readonly database: string;
  readonly controlSocket: string;
  readonly accessRules: string;
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env[DATA_ENV];
  return resolve(chosen !== undefined && chosen !== '' ? chosen : DEFAULT_DATA_DIR);
}

export function dataPaths(dir: string): DataPaths {
  return {
    dir,
    identity: join(dir, 'identity.bin'),
    database: join(dir, 'burrow.db'),
    controlSocket: join(dir, 'control.sock'),
    accessRules: join(dir, 'access.json'),
  };
}

/**
 * Creates the directory (0700) if missing. An existing directory that group or others can
 * reach is refused rather than silently chmod-ed: it may be a directory the operator shares on
 * purpose, and the key must not go there.
 */
export function openDataDir(dir: string): DataPaths {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new ConfigError('CONFIG_INVALID', `data directory ${dir} is not a directory`);
  if ((st.mode & 0o077) !== 0) {
    throw new ConfigError('CONFIG_INVALID', `data directory ${dir} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 700 it`);
  }
  return dataPaths(dir);
}

/**
 * Writes a secret file atomically: a 0600 temporary file, fsync, then rename over the target,
 * or with `exclusive` a hard link that fails if the target exists (two first starts at once
 * must not each keep a different key). Returns false when `exclusive` found the file there.
 */
export function writeSecretFile(path: string, bytes: Uint8Array, exclusive = false): boolean {
  const temporary = `${path}.tmp-${process.pid}`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600);
  if (!exclusive) {
    renameSync(temporary, path);
    return true;
  }
  try {
    linkSync(temporary, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Refuses a secret file others can read (as ssh does with keys), instead of using it. */
export function checkSecretFileMode(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new ConfigError('CONFIG_INVALID', `${path} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`);
}

/**
 * `burrow conformance noise <vectors.json> [--backend node|noble|both]`: runs every
 * Noise_XX_25519_* non-PSK vector of a file in the community JSON format, in both roles, on the
 * chosen crypto backends, through the same runner as the official-vector suite
 * (test/portable/noise-vectors.suite.ts), so conformance and unit tests cannot disagree.
 *
 * Output: one line per failed run (vector index, name, role, backend, what differed) and one
 * closing line `N passed, M failed` counting vectors: a vector passes when every run of it (two
 * roles times the backends) does. `, K skipped` is appended only when some XX_25519 vector names
 * a cipher or hash Burrow does not support; skip notes go to stderr, so stdout holds nothing
 * but failures and the closing line. Exit 0 when nothing failed, 1 when something did,
 * 2 for bad usage or a file that cannot be read as a vector file. Meant for files nobody here
 * has seen: each vector is validated field by field, and an odd one is a counted failure,
 * never a crash.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { isSupportedXX25519, isXX25519, parseNoiseVector, vectorEntries, type NoiseVector } from '../test/portable/noise-vector.ts';
import { runVector, type Role } from '../test/portable/noise-vectors.suite.ts';

// Our limits.
/** Largest vector file read: the official files are under 2 MB; this bounds memory on odd input. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Characters of an error quoted in a failure line: enough to see what differed, one line. */
const MAX_REASON_CHARS = 300;

const USAGE = `Usage: burrow conformance noise <vectors.json> [--backend node|noble|both]

Runs every Noise_XX_25519_* vector without PSK in a file of the community JSON format
({"vectors": [...]} or a bare array) in both roles, on the chosen crypto backends (default:
both). A vector passes when it passes in every role on every backend; one marked
"fail": true passes when it fails in each. Prints one line per failed run and a closing line
"N passed, M failed" counting vectors (", K skipped" when some vector names an unsupported
cipher or hash). Exit status: 0 when nothing failed, 1 when something did, 2 on a usage or
file error.`;

const ROLES: readonly Role[] = ['initiator', 'responder'];
const random = (n: number) => new Uint8Array(randomBytes(n));

function providersFor(backend: string): CryptoProvider[] | undefined {
  if (backend === 'node') return [nodeCryptoProvider(random)];
  if (backend === 'noble') return [nobleProvider(random)];
  if (backend === 'both') return [nodeCryptoProvider(random), nobleProvider(random)];
  return undefined;
}

interface Invocation {
  readonly file: string;
  readonly providers: CryptoProvider[];
}

/** Parses `noise <file> [--backend X | --backend=X]`; undefined on any other shape. */
function parseArgs(args: string[]): Invocation | undefined {
  let backend = 'both';
  let backendSeen = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--backend' || arg.startsWith('--backend=')) {
      if (backendSeen) return undefined;
      backendSeen = true;
      const value = arg === '--backend' ? args[++i] : arg.slice('--backend='.length);
      if (value === undefined) return undefined;
      backend = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      return undefined;
    } else {
      positional.push(arg);
    }
  }
  const providers = providersFor(backend);
  if (positional.length !== 2 || positional[0] !== 'noise' || providers === undefined) return undefined;
  return { file: positional[1]!, providers };
}

/** The file's vector entries, or a one-line reason it cannot be used. */
function readEntries(file: string): unknown[] | string {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return `${file} is not a regular file`;
      if (stat.size > MAX_FILE_BYTES) return `${file} is larger than ${MAX_FILE_BYTES} bytes`;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${reason(e)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `${file} is not valid JSON: ${reason(e)}`;
  }
  try {
    return vectorEntries(parsed);
  } catch (e) {
    return `${file} is not a vector file: ${reason(e)}`;
  }
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const invocation = parseArgs(args);
  if (invocation === undefined) {
    console.error(`burrow conformance: bad usage\n\n${USAGE}`);
    return 2;
  }
  const entries = readEntries(invocation.file);
  if (typeof entries === 'string') {
    console.error(`burrow conformance: ${entries}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  entries.forEach((raw, index) => {
    if (!isXX25519(raw)) return;
    const name = printable(String((raw as { protocol_name: string }).protocol_name));
    if (!isSupportedXX25519(raw)) {
      skipped++;
      console.error(`skipped #${index} ${name}: cipher or hash not supported`);
      return;
    }
    const failures = checkVector(raw, invocation.providers);
    if (failures.length === 0) {
      passed++;
    } else {
      failed++;
      for (const f of failures) console.log(`FAIL #${index} ${name}${f}`);
    }
  });
  if (passed + failed + skipped === 0) console.error(`burrow conformance: ${invocation.file} holds no Noise_XX_25519 vector without PSK`);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  return failed === 0 ? 0 : 1;
}

/**
 * Runs one vector in both roles on every backend; returns one line suffix per failed run
 * (empty when it behaved as it says: completed, or, when marked "fail", failed every run).
 */
function checkVector(raw: unknown, providers: readonly CryptoProvider[]): string[] {
  let vector: NoiseVector;
  try {
    vector = parseNoiseVector(raw);
  } catch (e) {
    return [`: malformed vector: ${reason(e)}`];
  }
  const failures: string[] = [];
  for (const provider of providers) {
    for (const role of ROLES) {
      let failure: string | undefined;
      try {
        runVector(provider, vector, role);
        if (vector.expectFailure) failure = 'marked "fail" but completed with every byte as expected';
      } catch (e) {
        if (!vector.expectFailure) failure = reason(e);
      }
      if (failure !== undefined) failures.push(` as ${role} on ${provider.name}: ${failure}`);
    }
  }
  return failures;
}

/** One printable line from whatever was thrown (an Error, a string, anything). */
function reason(e: unknown): string {
  const text = e instanceof Error ? `${e.message}${'code' in e ? ` [${String(e.code)}]` : ''}` : String(e);
  return printable(text).slice(0, MAX_REASON_CHARS);
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

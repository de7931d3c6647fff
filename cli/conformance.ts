/**
 * `burrow conformance noise <vectors.json> [--backend node|noble|both]`: runs every
 * Noise_XX_25519_* non-PSK vector of a community-format file in both roles and ends with one
 * line `N passed, M failed`. Meant for vector files nobody here has seen: every field is
 * validated and an odd vector is a counted failure, never a crash.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nobleProvider } from '../protocol/crypto/noble/index.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { parseProtocolName } from '../protocol/noise/protocol-name.ts';
import { nodeCryptoProvider } from '../crypto-node/provider.ts';
import { isXX25519, parseNoiseVector, vectorEntries } from '../test/portable/noise-vector.ts';
import { runVector } from '../test/portable/noise-vectors.suite.ts';

const USAGE = `Usage: burrow conformance noise <vectors.json> [--backend node|noble|both]

Runs every Noise_XX_25519_* vector (no PSK) of a file in the community JSON format
({"vectors": [...]} or an array) in both roles, on the chosen crypto backends (default both).
Prints one line per failure and a closing line "N passed, M failed"; exits 1 on any failure,
2 on a usage or file error.`;

const random = (n: number) => new Uint8Array(randomBytes(n));

function selectProviders(backend: string): CryptoProvider[] | undefined {
  if (backend === 'node') return [nodeCryptoProvider(random)];
  if (backend === 'noble') return [nobleProvider(random)];
  if (backend === 'both') return [nodeCryptoProvider(random), nobleProvider(random)];
  return undefined;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const backendAt = args.indexOf('--backend');
  const backend = backendAt >= 0 ? args[backendAt + 1] ?? '' : 'both';
  const positional = backendAt < 0 ? args : args.filter((_, i) => i !== backendAt && i !== backendAt + 1);
  const [suite, file, ...extra] = positional;
  const providers = selectProviders(backend);
  if (suite !== 'noise' || file === undefined || extra.length > 0 || providers === undefined) {
    console.error(USAGE);
    return 2;
  }
  let entries: unknown[];
  try {
    entries = vectorEntries(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    console.error(`burrow conformance: cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  entries.forEach((raw, index) => {
    if (!isXX25519(raw)) return;
    const name = String((raw as { protocol_name: string }).protocol_name);
    try {
      parseProtocolName(name);
    } catch {
      skipped += 2 * providers.length;
      console.log(`skip  #${index} ${name}: cipher or hash not supported`);
      return;
    }
    for (const provider of providers) {
      for (const role of ['initiator', 'responder'] as const) {
        const outcome = runOne(provider, raw, role);
        if (outcome === undefined) passed++;
        else {
          failed++;
          console.log(`FAIL  #${index} ${name} as ${role} on ${provider.name}: ${outcome}`);
        }
      }
    }
  });
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  return failed === 0 ? 0 : 1;
}

/** Undefined when the vector behaved as it says (completed, or failed when marked "fail"). */
function runOne(provider: CryptoProvider, raw: unknown, role: 'initiator' | 'responder'): string | undefined {
  let expectFailure = false;
  try {
    const vector = parseNoiseVector(raw);
    expectFailure = vector.expectFailure;
    runVector(provider, vector, role);
  } catch (e) {
    return expectFailure ? undefined : (e as Error).message.slice(0, 300);
  }
  return expectFailure ? 'vector is marked "fail" but completed' : undefined;
}

/**
 * The test bundle that runs inside xsnap-worker: the portable suites of suites.ts, one case per
 * crank, so the host sees (and times out) each case on its own and mocha reports them one by one.
 *
 *   load  {id, suite, data, random}  builds the suite, keeps it under `id`, returns its case names
 *   run   {id, index}                runs one case: {name, ok, message?}
 *   tally {id}                       cases run and passed so far, for the host's count check
 *
 * The provider is noble over the RandomSource the host names: seeded (reproducible runs and meter
 * counts) or the host's CSPRNG through a host call (exercises the bridge under real load).
 */
import { nobleProvider } from '../../protocol/crypto/noble/index.ts';
import type { RandomSource } from '../../protocol/crypto/provider.ts';
import { hostRandom, seededRandom } from '../../simulators/xs/random.ts';
import { serveCommands } from '../../simulators/xs/xs-commands.ts';
import type { Suite } from '../portable/suite.ts';
import { XS_SUITES } from './suites.ts';

export type RandomSpec = { readonly kind: 'seeded'; readonly seed: number } | { readonly kind: 'host' };

export interface LoadedSuite {
  readonly name: string;
  readonly cases: readonly string[];
  readonly expectedCount: number | null;
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly message?: string;
}

export interface Tally {
  readonly ran: number;
  readonly passed: number;
  readonly total: number;
}

interface Loaded {
  readonly suite: Suite;
  ran: number;
  passed: number;
}

const loaded = new Map<string, Loaded>();

function randomFrom(spec: unknown): RandomSource {
  const r = spec as Partial<{ kind: string; seed: number }> | null;
  if (r?.kind === 'host') return hostRandom();
  if (r?.kind === 'seeded' && typeof r.seed === 'number') return seededRandom(r.seed);
  throw new TypeError('random must be {kind: "seeded", seed} or {kind: "host"}');
}

function find(id: unknown): Loaded {
  const entry = loaded.get(String(id));
  if (!entry) throw new TypeError(`no suite loaded as "${String(id)}"`);
  return entry;
}

serveCommands({
  load(request): LoadedSuite {
    const name = String(request['suite']);
    const make = Object.prototype.hasOwnProperty.call(XS_SUITES, name) ? XS_SUITES[name] : undefined;
    if (!make) throw new TypeError(`no XS suite "${name}"`);
    const suite = make(nobleProvider(randomFrom(request['random'])), request['data'] ?? null);
    loaded.set(String(request['id']), { suite, ran: 0, passed: 0 });
    return { name: suite.name, cases: suite.cases.map((c) => c.name), expectedCount: suite.expectedCount ?? null };
  },
  run(request): CaseResult {
    const entry = find(request['id']);
    const c = entry.suite.cases[Number(request['index'])];
    if (!c) throw new TypeError(`no case ${String(request['index'])}`);
    entry.ran++;
    try {
      c.run();
      entry.passed++;
      return { name: c.name, ok: true };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { name: c.name, ok: false, message: `${String(e)}${typeof code === 'string' ? ` [${code}]` : ''}` };
    }
  },
  tally(request): Tally {
    const entry = find(request['id']);
    return { ran: entry.ran, passed: entry.passed, total: entry.suite.cases.length };
  },
});

/**
 * Registers a portable suite that runs inside XS as mocha tests, one `it` per case.
 *
 * Mocha needs the case names when it collects tests, before any process runs, so the host builds
 * the same suite on Node (suites.ts) to name them; XS then reports its own names on load and the
 * two lists must match exactly. Each case runs in its own crank; a last test checks that XS ran
 * and passed exactly the expected number of cases.
 */
import { strict as assert } from 'node:assert';
import { nobleProvider } from '../../protocol/crypto/noble/index.ts';
import type { XsBundleHost } from '../../simulators/xs/bundle-host.ts';
import { seededRandom } from '../../simulators/xs/random.ts';
import type { CaseResult, LoadedSuite, RandomSpec, Tally } from './portable-entry.ts';
import { XS_SUITES } from './suites.ts';

export interface XsSuiteRun {
  /** Unique per registration: the same suite may run twice with different data. */
  readonly id: string;
  /** A key of XS_SUITES. */
  readonly suite: string;
  readonly data?: unknown;
  /** Default: seeded with 1. */
  readonly random?: RandomSpec;
  /** How many cases XS must run and pass. */
  readonly expectedCases: number;
}

/** The suite as the host builds it on Node: its name and case names. */
export function localSuite(run: Pick<XsSuiteRun, 'suite' | 'data'>): { name: string; cases: string[]; expectedCount: number | undefined } {
  const make = XS_SUITES[run.suite];
  if (!make) throw new Error(`no XS suite "${run.suite}" in test/xs/suites.ts`);
  const suite = make(nobleProvider(seededRandom(1)), run.data ?? null);
  return { name: suite.name, cases: suite.cases.map((c) => c.name), expectedCount: suite.expectedCount };
}

export function registerXsSuite(host: () => XsBundleHost, run: XsSuiteRun): void {
  const local = localSuite(run);
  describe(`${local.name} on XS [${run.id}]`, () => {
    before(async () => {
      const { value } = await host().request<LoadedSuite>({
        op: 'load',
        id: run.id,
        suite: run.suite,
        data: run.data ?? null,
        random: run.random ?? { kind: 'seeded', seed: 1 },
      });
      assert.deepEqual(value.cases, local.cases, 'XS built a different list of cases than Node');
    });

    local.cases.forEach((name, index) => {
      it(name, async () => {
        const { value } = await host().request<CaseResult>({ op: 'run', id: run.id, index });
        assert.equal(value.name, name);
        if (!value.ok) assert.fail(`on XS: ${value.message ?? 'failed'}`);
      });
    });

    it(`ran and passed exactly ${run.expectedCases} cases on XS`, async () => {
      const { value } = await host().request<Tally>({ op: 'tally', id: run.id });
      assert.deepEqual(value, { ran: run.expectedCases, passed: run.expectedCases, total: run.expectedCases });
      if (local.expectedCount !== undefined) assert.equal(local.expectedCount, run.expectedCases, "the suite's own expectedCount");
    });
  });
}

/**
 * Registers the scenarios with mocha, once per target: `hw-tests on <target>` with one test per
 * scenario, its seed in the title. A target that is not attached skips with the line that says
 * what to set; a scenario a target cannot run skips with its reason. Rigs are stopped after
 * every test whatever happened, and a failure prints the scenario's notes, the devices' last
 * console lines and what the tampering hop did, beside the seed that replays it.
 */
import { Dice, SEED_ENV, scenarioSeed, suiteSeed } from './seed.ts';
import type { Scenario, ScenarioContext } from './scenario.ts';
import type { Rig, Target } from './target.ts';

// Our limits.
/** Console lines per device printed with a failure. */
const FAILURE_LINES = 15;
/** Slack over a scenario's budget for starting and stopping its rigs. */
const SETUP_MS = 20_000;

export function registerHwTests(targets: readonly Target[], scenarios: readonly Scenario[], seed: number = suiteSeed()): void {
  describe(`hw-tests (seed=${seed}; replay with ${SEED_ENV}=${seed})`, () => {
    before(() => console.log(`  hw-tests: seed=${seed} (replay: ${SEED_ENV}=${seed})`));
    for (const target of targets) registerTarget(target, scenarios, seed);
  });
}

function registerTarget(target: Target, scenarios: readonly Scenario[], seed: number): void {
  describe(`on ${target.name}`, function () {
    const open: Rig[] = [];
    let notes: string[] = [];

    before(async function () {
      if (target.unavailable !== undefined) {
        console.log(`  hw-tests on ${target.name}: skipped: ${target.unavailable}`);
        this.skip();
      }
      if (target.prepare === undefined) return;
      this.timeout(target.prepareMs ?? SETUP_MS);
      console.log(`  hw-tests on ${target.name}: preparing (up to ${Math.round((target.prepareMs ?? SETUP_MS) / 1000)} s)...`);
      await target.prepare(seed);
    });

    after(async () => {
      await target.finish?.();
    });

    afterEach(async function () {
      const failed = this.currentTest?.state === 'failed';
      if (failed) console.log(failureReport(this.currentTest?.title ?? '', seed, notes, open));
      notes = [];
      for (const rig of open.splice(0)) await rig.stop().catch((e: unknown) => console.log(`  hw-tests: stopping a rig failed: ${String(e)}`));
    });

    for (const scenario of scenarios) {
      const own = scenarioSeed(seed, scenario.name);
      it(`${scenario.name} [seed=${own}]`, async function () {
        const why = scenario.unsupported?.(target);
        if (why !== undefined) {
          console.log(`  hw-tests on ${target.name}: '${scenario.name}' skipped: ${why}`);
          this.skip();
        }
        this.timeout(scenario.budgetMs * target.patience + SETUP_MS);
        const dice = new Dice(own);
        const ctx: ScenarioContext = {
          target,
          seed: own,
          dice,
          rig: async (options) => {
            const rig = await target.rig({ ...options, seed: dice.int(0, 0xffff_ffff) });
            open.push(rig);
            return rig;
          },
          ms: (ms) => Math.round(ms * target.patience),
          note: (line) => notes.push(line),
        };
        await scenario.run(ctx);
      });
    }
  });
}

function failureReport(title: string, seed: number, notes: readonly string[], rigs: readonly Rig[]): string {
  const out = [`  hw-tests: '${title}' failed; replay: ${SEED_ENV}=${seed} npm run hw-tests -- --grep '${title.replace(/ \[seed=.*$/, '')}'`];
  for (const n of notes) out.push(`    note: ${n}`);
  for (const rig of rigs) {
    if (rig.hop !== undefined) out.push(`    tamper hop: ${JSON.stringify(rig.hop.counters)}`);
    for (const d of rig.devices) {
      out.push(`    ${d.name} (${d.identifier}), last console lines:`);
      for (const line of d.lines.slice(-FAILURE_LINES)) out.push(`      ${line}`);
      for (const f of d.faults) out.push(`      FAULT ${f}`);
    }
  }
  return out.join('\n');
}

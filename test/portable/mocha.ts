/** Registers a portable suite with mocha, including its expected-count guard. */
import type { Suite } from './suite.ts';

export function registerSuite(suite: Suite): void {
  describe(suite.name, () => {
    for (const c of suite.cases) it(c.name, () => c.run());
    if (suite.expectedCount !== undefined) {
      const expected = suite.expectedCount;
      it(`runs exactly ${expected} cases`, () => {
        if (suite.cases.length !== expected) {
          throw new Error(`${suite.name}: expected ${expected} cases, found ${suite.cases.length}`);
        }
      });
    }
  });
}

/**
 * Portable test suites: plain functions of (implementation, runtime data) that return named
 * synchronous cases. Mocha runs them on Node (test/portable/mocha.ts); the XS runner bundles the
 * same suites into xsnap-worker and runs them there (test/xs/). Nothing here may import Node,
 * mocha or chai, so the bundle stays runnable on XS.
 */
import { equalBytes, toHex } from '../../protocol/bytes.ts';

export interface TestCase {
  readonly name: string;
  run(): void;
}

export interface Suite {
  readonly name: string;
  readonly cases: TestCase[];
  /** When set, the runner fails the suite unless exactly this many cases ran and passed. */
  readonly expectedCount?: number;
}

export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

export function checkEqual<T>(actual: T, expected: T, message: string): void {
  if (actual !== expected) throw new AssertionFailed(`${message}: expected ${String(expected)}, got ${String(actual)}`);
}

export function checkBytes(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (!equalBytes(actual, expected)) {
    throw new AssertionFailed(`${message}: expected ${toHex(expected)}, got ${toHex(actual)}`);
  }
}

/** Runs `fn` and checks that it throws an error whose `code` equals `code`. */
export function checkThrowsCode(fn: () => unknown, code: string, message: string): void {
  try {
    fn();
  } catch (e) {
    const actual = (e as { code?: unknown }).code;
    if (actual === code) return;
    throw new AssertionFailed(`${message}: expected error code ${code}, got ${String(actual)} (${String(e)})`);
  }
  throw new AssertionFailed(`${message}: expected error code ${code}, nothing was thrown`);
}

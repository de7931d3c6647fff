/**
 * Command-line parsing shared by the long-running commands: node:util's parseArgs (strict, so a
 * mistyped flag is an error, not silently ignored) plus `--help`, with one error type that
 * main() turns into "burrow <command>: <message>" and exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  readonly values: V;
  readonly positionals: string[];
}

/** Returns undefined after printing `usage` for --help; throws UsageError for bad arguments. */
export function parseCommandLine<O extends Options>(args: string[], options: O, usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${usage}`);
  }
  if ((parsed.values as Record<string, unknown>)['help'] === true) {
    console.log(usage);
    return undefined;
  }
  return parsed as unknown as Parsed<{ [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string }>;
}

/** An integer flag within [min, max]; `fallback` when absent. */
export function integerFlag(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration flag: '90s', '15m', '2h', '7d', '500ms'; a bare number is seconds. Returns ms within [minMs, maxMs]. */
export function durationFlag(text: string, name: string, minMs = 0, maxMs = Number.MAX_SAFE_INTEGER): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = m === null ? NaN : Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!);
  if (!(ms >= minMs && ms <= maxMs)) {
    const range = maxMs === Number.MAX_SAFE_INTEGER ? '' : ` (${formatMs(minMs)} to ${formatMs(maxMs)})`;
    throw new UsageError(`--${name} must be a duration like 90s, 15m, 2h or 7d${range}, got '${text}'`);
  }
  return ms;
}

function formatMs(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

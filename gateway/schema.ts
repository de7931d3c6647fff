/**
 * A small declarative schema for configuration: each node parses an unknown value into a
 * typed one, or records an error at its path ("ble.maxLinks: must be an integer from 1 to
 * 64, got 0"). Parsing goes on after an error so one run reports every mistake, and unknown
 * keys are errors (a misspelt option silently ignored is the worst kind of config bug).
 *
 * Written here rather than taken from a package: the config needs objects, arrays, bounded
 * integers, strings with a pattern, enums and defaults, which is this file.
 */
import { ConfigError } from '../protocol/errors.ts';

export interface Schema<T> {
  /** Parses `value` found at `path`; records errors in `issues` (the result is then unused). */
  parse(value: unknown, path: string, issues: string[]): T;
  /** For messages and documentation: 'integer 1-64', 'string', … */
  readonly describe: string;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}

function at(path: string): string {
  return path === '' ? '(top level)' : path;
}

export function integer(options: { min: number; max: number }): Schema<number> {
  const describe = `an integer from ${options.min} to ${options.max}`;
  return {
    describe,
    parse(value, path, issues) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < options.min || value > options.max) {
        issues.push(`${at(path)}: must be ${describe}, got ${show(value)}`);
        return options.min;
      }
      return value;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    describe: 'true or false',
    parse(value, path, issues) {
      if (typeof value !== 'boolean') issues.push(`${at(path)}: must be true or false, got ${show(value)}`);
      return value === true;
    },
  };
}

export function string(options: { pattern?: RegExp; hint?: string; maxLength?: number } = {}): Schema<string> {
  const describe = options.hint ?? 'a string';
  return {
    describe,
    parse(value, path, issues) {
      if (typeof value !== 'string' || value.length === 0 || value.length > (options.maxLength ?? 4096) || (options.pattern !== undefined && !options.pattern.test(value))) {
        issues.push(`${at(path)}: must be ${describe}, got ${show(value)}`);
        return '';
      }
      return value;
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
  const describe = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  return {
    describe,
    parse(value, path, issues) {
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
        issues.push(`${at(path)}: must be ${describe}, got ${show(value)}`);
        return values[0]!;
      }
      return value as T;
    },
  };
}

/** A schema whose parsed value is transformed (or checked) by `convert`, which may throw. */
export function refine<A, B>(base: Schema<A>, convert: (value: A) => B, describe = base.describe): Schema<B> {
  return {
    describe,
    parse(value, path, issues) {
      const before = issues.length;
      const parsed = base.parse(value, path, issues);
      if (issues.length > before) return undefined as B;
      try {
        return convert(parsed);
      } catch (error) {
        issues.push(`${at(path)}: ${(error as Error).message}`);
        return undefined as B;
      }
    },
  };
}

export function array<T>(item: Schema<T>, options: { min?: number; max?: number } = {}): Schema<T[]> {
  const min = options.min ?? 0;
  const max = options.max ?? 1024;
  return {
    describe: `a list of ${item.describe}`,
    parse(value, path, issues) {
      if (!Array.isArray(value) || value.length < min || value.length > max) {
        issues.push(`${at(path)}: must be a list of ${min} to ${max} entries, got ${show(value)}`);
        return [];
      }
      return value.map((v, i) => item.parse(v, `${path}[${i}]`, issues));
    },
  };
}

interface Optional<T> extends Schema<T> {
  readonly optional: true;
}

/** An optional field; with a default the parsed field is always present. */
export function optional<T>(schema: Schema<T>): Optional<T | undefined>;
export function optional<T>(schema: Schema<T>, fallback: T): Optional<T>;
export function optional<T>(schema: Schema<T>, fallback?: T): Optional<T | undefined> {
  return {
    optional: true,
    describe: schema.describe,
    parse(value, path, issues) {
      return value === undefined || value === null ? fallback : schema.parse(value, path, issues);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type ObjectOf<S extends Shape> = { [K in keyof S as S[K] extends Optional<infer V> ? (undefined extends V ? never : K) : K]: Infer<S[K]> } & {
  [K in keyof S as S[K] extends Optional<infer V> ? (undefined extends V ? K : never) : never]?: Exclude<Infer<S[K]>, undefined>;
};

function closest(key: string, known: readonly string[]): string | undefined {
  // A known key one edit away, or sharing a long prefix: enough to catch a typo.
  return known.find((k) => k.toLowerCase() === key.toLowerCase() || (k.length > 3 && (k.startsWith(key.slice(0, 4)) || key.startsWith(k.slice(0, 4)))));
}

export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return {
    describe: 'a mapping',
    parse(value, path, issues) {
      const source = value === undefined || value === null ? {} : value;
      if (typeof source !== 'object' || Array.isArray(source)) {
        issues.push(`${at(path)}: must be a mapping, got ${show(value)}`);
        return {} as ObjectOf<S>;
      }
      const record = source as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!keys.includes(key)) {
          const guess = closest(key, keys);
          issues.push(`${at(path === '' ? key : `${path}.${key}`)}: unknown option${guess === undefined ? '' : ` (did you mean '${guess}'?)`}`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const parsed = shape[key]!.parse(record[key], path === '' ? key : `${path}.${key}`, issues);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** Parses or throws CONFIG_INVALID listing every issue, one per line. */
export function parseWith<T>(schema: Schema<T>, value: unknown, what: string): T {
  const issues: string[] = [];
  const parsed = schema.parse(value, '', issues);
  if (issues.length > 0) throw new ConfigError('CONFIG_INVALID', `${what}:\n  ${issues.join('\n  ')}`);
  return parsed;
}

/**
 * Bench reporting: every figure is printed beside its ceiling (measured in the same run) as a
 * ratio, and recorded as name -> number in bench/results.json so runs can be compared.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Figure {
  /** Stable key in results.json, e.g. 'handshake.node.full_per_s'. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The best this figure could be on this machine, measured in the same run. */
  readonly ceiling?: { readonly name: string; readonly value: number };
  /** The goal, printed for the reader (e.g. '>= 1500'). */
  readonly goal?: string;
}

export class BenchReport {
  private readonly figures: Figure[] = [];

  add(figure: Figure): void {
    this.figures.push(figure);
    const ratio = figure.ceiling ? `  ${(figure.value / figure.ceiling.value).toFixed(2)}x of ${figure.ceiling.name} (${format(figure.ceiling.value)})` : '';
    const goal = figure.goal ? `  goal ${figure.goal}` : '';
    console.log(`  ${figure.name.padEnd(44)} ${format(figure.value).padStart(12)} ${figure.unit}${ratio}${goal}`);
  }

  section(title: string): void {
    console.log(`\n${title}`);
  }

  /**
   * results.json is a flat name -> number map; the date and machine go in a sibling file. With
   * `sections` (a partial run) this run's figures replace theirs in the existing files and every
   * other figure stays; the meta file's `sections` says when each partial run measured what.
   */
  write(resultsPath: string, metaPath: string, meta: Record<string, string>, sections?: readonly string[]): void {
    const results: Record<string, number> = sections === undefined ? {} : readJson<Record<string, number>>(resultsPath);
    for (const f of this.figures) {
      results[f.name] = round(f.value);
      if (f.ceiling) results[`${f.name}.ceiling`] = round(f.ceiling.value);
    }
    writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
    let metaOut: Record<string, unknown> = meta;
    if (sections !== undefined) {
      const last = readJson<Record<string, unknown>>(metaPath);
      const partial = { ...(last['sections'] as Record<string, unknown> | undefined) };
      for (const s of sections) partial[s] = meta;
      metaOut = { ...last, sections: partial };
    }
    writeFileSync(metaPath, JSON.stringify(metaOut, null, 2) + '\n');
  }
}

function readJson<T extends object>(path: string): T {
  return (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {}) as T;
}

function round(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(6));
}

function format(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
}

/** The p-quantile (0..1) of ascending `sorted` samples (nearest rank); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** CPU microseconds this process has spent (user + system). */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Runs `fn` for about `ms` of CPU (at least 20 calls), so the JIT has optimised the code
 * measured and its caches are filled. A handshake is deep code: V8 takes a few hundred calls
 * of it to optimise, and 20 calls left the first second of measurement ~30% slower than the
 * steady state a long-running responder lives in.
 */
export function warmUp(fn: () => void, ms: number): void {
  const start = cpuMicros();
  for (let calls = 0; calls < 20 || cpuMicros() - start < ms * 1000; calls++) fn();
}

export interface MeasureOptions {
  /** CPU ms of warm-up before measuring; default a third of the measurement. */
  readonly warmUpMs?: number;
  /** Called between warm-up and measurement, to reset counters the caller keeps. */
  readonly onStart?: () => void;
}

/**
 * Operations per CPU-second of this single-threaded process (so: per core), run for about
 * `ms` of CPU after a warm-up (see warmUp). CPU time rather than wall time keeps the figure
 * honest on a machine where something else is running.
 */
export function perCoreSecond(fn: () => void, ms = 1000, options: MeasureOptions = {}): number {
  return perCoreSecondEach([fn], ms, options)[0]!;
}

/** CPU per turn when several functions take turns (see perCoreSecondEach). */
const TURN_MS = 10;

/**
 * Operations per CPU-second of several functions measured side by side, for a figure and its
 * ceiling: after warming each up, they take turns of ~10 ms CPU until each has had `ms`. A
 * neighbour that slows the machine (other processes, a noisy VM host) then slows them alike,
 * so the ratio between them holds even while the absolute figures wander; measured one after
 * the other, the same code gave ratios from 0.62 to 0.75 on a busy machine.
 */
export function perCoreSecondEach(fns: readonly (() => void)[], ms = 1000, options: MeasureOptions = {}): number[] {
  for (const fn of fns) warmUp(fn, options.warmUpMs ?? ms / 3);
  options.onStart?.();
  const counts = fns.map(() => 0);
  const micros = fns.map(() => 0);
  while (micros[0]! < ms * 1000) {
    fns.forEach((fn, i) => {
      const start = cpuMicros();
      let elapsed = 0;
      while (elapsed < TURN_MS * 1000) {
        for (let k = 0; k < 5; k++) fn();
        counts[i]! += 5;
        elapsed = cpuMicros() - start;
      }
      micros[i]! += elapsed;
    });
  }
  return counts.map((count, i) => (count * 1e6) / micros[i]!);
}

/** CPU microseconds spent inside `fn` only, accumulated across calls (for one side of a pair). */
export class CpuStopwatch {
  micros = 0;
  time<T>(fn: () => T): T {
    const start = cpuMicros();
    try {
      return fn();
    } finally {
      this.micros += cpuMicros() - start;
    }
  }
}

/**
 * Bench reporting: every figure is printed beside its ceiling (measured in the same run) as a
 * ratio, and recorded as name -> number in bench/results.json so runs can be compared.
 */
import { writeFileSync } from 'node:fs';

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

  /** results.json is a flat name -> number map; the date and machine go in a sibling file. */
  write(resultsPath: string, metaPath: string, meta: Record<string, string>): void {
    const results: Record<string, number> = {};
    for (const f of this.figures) {
      results[f.name] = round(f.value);
      if (f.ceiling) results[`${f.name}.ceiling`] = round(f.ceiling.value);
    }
    writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
    writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  }
}

function round(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(6));
}

function format(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
}

/** CPU microseconds this process has spent (user + system). */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Operations per CPU-second of this single-threaded process (so: per core), run for about
 * `ms` of CPU after a warm-up that fills JIT and key caches. CPU time rather than wall time
 * keeps the figure honest on a machine where something else is running.
 */
export function perCoreSecond(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 20; i++) fn();
  let count = 0;
  const start = cpuMicros();
  while (cpuMicros() - start < ms * 1000) {
    for (let i = 0; i < 5; i++) fn();
    count += 5;
  }
  return (count * 1e6) / (cpuMicros() - start);
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

/** Latency statistics for the benchmark: exact percentiles over recorded samples (milliseconds). */

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Samples per named step (authorize, login POST, token...) plus the whole flow. */
export class Recorder {
  readonly flows: number[] = [];
  readonly steps = new Map<string, number[]>();
  errors = 0;
  /** Flows refused by load shedding (HTTP 503 + Retry-After on the login POST). */
  shed = 0;
  /** Flows that passed the login POST and then failed: must stay 0, even under overload. */
  admittedFailures = 0;
  readonly errorKinds = new Map<string, number>();

  step(name: string, ms: number): void {
    let list = this.steps.get(name);
    if (!list) {
      list = [];
      this.steps.set(name, list);
    }
    list.push(ms);
  }

  flow(ms: number): void {
    this.flows.push(ms);
  }

  error(kind: string): void {
    this.errors++;
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  /** Errors (shed flows included) over every flow attempted. */
  get errorRate(): number {
    const attempts = this.flows.length + this.errors;
    return attempts === 0 ? 0 : this.errors / attempts;
  }
}

/** Formats a number for the table: integers as is, small ones with one or two decimals. */
export function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (Math.abs(value) >= 100) return Math.round(value).toString();
  return value.toFixed(digits);
}

/** A plain-text table with aligned columns (first column left, others right). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Shared shapes of the benchmark: what a section reports and how run.ts drives it. */

export type Comparison = '>=' | '<=';

/** A pass/fail goal on either the measured value or its ratio against the baseline. */
export type Target = Readonly<{ on: 'value' | 'ratio'; op: Comparison; limit: number }>;

export type Measurement = Readonly<{
  section: string;
  name: string;
  value: number;
  unit: string;
  /** value relative to `baseline` (median of per-round paired ratios when rounds repeat). */
  ratio: number | undefined;
  /** Which variant the ratio is against. */
  baseline: string | undefined;
  target: Target | undefined;
  pass: boolean | undefined;
  /** Spread over rounds, for judging noise. */
  min?: number;
  max?: number;
}>;

export type SectionResult = Readonly<{ measurements: Measurement[]; raw: unknown }>;

export type BenchContext = Readonly<{
  /** Repository root (cwd for the real server). */
  root: string;
  /** A fresh temporary directory owned by this run; removed by run.ts. */
  tmpRoot: string;
  /** Progress messages (stderr, so stdout keeps only the table). */
  log: (message: string) => void;
}>;

/** One part of `npm run bench` (bench/run.ts lists them). */
export type Section = Readonly<{
  name: string;
  run: (ctx: BenchContext) => Promise<SectionResult>;
}>;

export function judge(target: Target | undefined, value: number, ratio: number | undefined): boolean | undefined {
  if (!target) return undefined;
  const subject = target.on === 'value' ? value : ratio;
  if (subject === undefined || !Number.isFinite(subject)) return false;
  return target.op === '>=' ? subject >= target.limit : subject <= target.limit;
}

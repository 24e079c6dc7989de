import type { Measurement, Target } from './types.ts';

/** The stdout report: one line per measurement, fixed-width columns. */

const HEADERS = ['name', 'value', 'unit', 'ratio', 'vs', 'target', 'result'] as const;

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function formatTarget(t: Target | undefined): string {
  if (!t) return '-';
  return `${t.on} ${t.op} ${t.limit}`;
}

function row(m: Measurement): string[] {
  return [
    m.name,
    formatNumber(m.value),
    m.unit,
    m.ratio === undefined ? '-' : m.ratio.toFixed(3),
    m.baseline ?? '-',
    formatTarget(m.target),
    m.pass === undefined ? '' : m.pass ? 'PASS' : 'FAIL',
  ];
}

export function renderTable(measurements: readonly Measurement[]): string {
  const rows = [HEADERS.slice(), ...measurements.map(row)];
  const widths = HEADERS.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  const numeric = new Set([1, 3]);
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => (numeric.has(col) ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  let section = '';
  const out = [line(rows[0] ?? []), rule];
  for (const m of measurements) {
    if (m.section !== section) {
      section = m.section;
      out.push(`# ${section}`);
    }
    out.push(line(row(m)));
  }
  return `${out.join('\n')}\n`;
}

export function summarize(measurements: readonly Measurement[]): string {
  const judged = measurements.filter((m) => m.pass !== undefined);
  const failed = judged.filter((m) => m.pass === false);
  return `${judged.length - failed.length}/${judged.length} targets met${failed.length ? ` (missed: ${failed.map((m) => (m.target?.on === 'ratio' ? `${m.name} vs ${m.baseline}` : m.name)).join('; ')})` : ''}\n`;
}

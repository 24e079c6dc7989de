import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Watches another process through /proc (Linux): resident memory sampled every
 * `intervalMs` plus the kernel's own high-water mark (VmHWM), and CPU time
 * (user + system, all threads) spent between start and stop.
 */

export type ProcUsage = Readonly<{
  /** max(sampled VmRSS, VmHWM at stop), MiB. VmHWM covers spikes between samples. */
  peakRssMiB: number;
  /** Largest sampled VmRSS, MiB. */
  sampledPeakRssMiB: number;
  samples: number;
  /** VmRSS when monitoring started (the server idle, just after it announced its port), MiB. */
  startRssMiB: number;
  /** CPU seconds the process used while monitored. */
  cpuSeconds: number;
}>;

export type ProcMonitor = Readonly<{ stop: () => ProcUsage }>;

const KIB_PER_MIB = 1024;
let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process is gone
  }
}

/** utime + stime of the whole process, in seconds. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

export function monitorProcess(pid: number, intervalMs = 100): ProcMonitor {
  const cpuAtStart = cpuSeconds(pid) ?? 0;
  let maxKiB = 0;
  let samples = 0;
  const sample = () => {
    const kib = statusKiB(pid, 'VmRSS');
    if (kib === undefined) return;
    samples += 1;
    maxKiB = Math.max(maxKiB, kib);
  };
  sample();
  const startKiB = maxKiB;
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const hwm = statusKiB(pid, 'VmHWM') ?? 0;
      const cpu = cpuSeconds(pid);
      return {
        peakRssMiB: Math.max(maxKiB, hwm) / KIB_PER_MIB,
        sampledPeakRssMiB: maxKiB / KIB_PER_MIB,
        samples,
        startRssMiB: startKiB / KIB_PER_MIB,
        cpuSeconds: cpu === undefined ? Number.NaN : cpu - cpuAtStart,
      };
    },
  };
}

/** CPU seconds used so far by a set of processes (ones that are gone count as 0). */
export function cpuSecondsOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}

/** Busy and total CPU time of the whole machine so far (all cores), from /proc/stat, in seconds. */
export function machineCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
}

import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux in practice). */
const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  cpuMs: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const fields = raw.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14, stime field 15
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, ppid: Number(fields[1]), comm, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined; // the process ended
  }
}

function allStats(): Stat[] {
  const stats: Stat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** A process and all its descendants (cluster workers, tsx's child). */
export function processTree(root: number): number[] {
  const stats = allStats();
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!tree.has(s.pid) && tree.has(s.ppid)) {
        tree.add(s.pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** CPU milliseconds (user + system) used so far by a process and its descendants. */
export function treeCpuMs(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + (readStat(pid)?.cpuMs ?? 0), 0);
}

/** CPU milliseconds so far of every PostgreSQL server process on this machine, by pid. */
export function postgresCpuSnapshot(): Map<number, number> {
  return new Map(
    allStats()
      .filter((s) => s.comm === 'postgres' || s.comm.startsWith('postgres'))
      .map((s) => [s.pid, s.cpuMs]),
  );
}

/**
 * PostgreSQL's CPU milliseconds since a snapshot: the growth of each process alive now (new ones
 * count in full). A backend that exited meanwhile (an idle pool connection closed) is left out
 * rather than subtracted, so the figure can only be under, never negative.
 */
export function postgresCpuSince(start: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of postgresCpuSnapshot()) total += ms - (start.get(pid) ?? 0);
  return total;
}

/** Resident memory (bytes) of a process tree now. */
export function treeRssBytes(root: number): number {
  let total = 0;
  for (const pid of processTree(root)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** Samples a process tree's RSS until stopped; returns the peak. */
export function peakRssSampler(root: number, everyMs = 250) {
  let peak = treeRssBytes(root);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssBytes(root));
  }, everyMs);
  return {
    reset() {
      peak = treeRssBytes(root);
    },
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, treeRssBytes(root));
    },
  };
}

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** CPU use of processes on this machine (Linux /proc), for the benchmarks' "what limits them". */

export const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime (clock ticks) and the parent pid of a process; null when it is gone. */
export function procStat(pid: number): { ticks: number; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

const allPids = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** The postmaster listening on `port`, and its children (one backend per connection, plus its workers). */
export function postgresPids(port: number): number[] {
  const pids = allPids();
  const postmaster = pids.find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return path.basename(argv[0] ?? '') === 'postgres' && argv.includes(String(port));
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return [];
  return [postmaster, ...pids.filter((pid) => procStat(pid)?.ppid === postmaster)];
}

/** Busy and total jiffies of the whole machine (all cores). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU milliseconds PostgreSQL (listening on `port`) has used so far, over its live processes. */
export function postgresCpuMs(port: number): number {
  const ticks = postgresPids(port).reduce((sum, pid) => sum + (procStat(pid)?.ticks ?? 0), 0);
  return (ticks / TICKS_PER_SECOND) * 1000;
}

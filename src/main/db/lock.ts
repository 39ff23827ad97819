import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../domain/errors';

export const LOCK_FILE_NAME = 'linguaflex.lock';

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /**
   * When the owning process started, as the kernel counts it (Linux: field 22 of /proc/<pid>/stat,
   * clock ticks since boot), with the boot it counts from: a pid that names another process now (the
   * owner died and the number was given to a new program) has another start. Absent where the
   * platform does not tell, and in locks written before it was recorded.
   */
  processStart?: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

let bootId: string | null | undefined;
function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/**
 * The start of process `pid` in a form that identifies it for as long as the machine runs
 * ("<boot id>:<start ticks>"), or null where it cannot be read (no /proc: macOS, Windows).
 */
export function processStartOf(pid: number): string | null {
  // Fields after the command start with field 3 (state): starttime, field 22, is at index 19.
  const start = statFields(pid)?.[19];
  if (start === undefined || !/^\d+$/.test(start)) return null;
  return `${currentBootId() ?? 'boot'}:${start}`;
}

/** The command of process `pid` ("node", "sleep"…), for messages, or null. */
function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * Whether the lock's owner still holds it: the same machine, a live process with its pid, and — where
 * the start is recorded and can be read — the very process that wrote it, not a later one given the
 * same pid (after a crash or a reboot, pids are reused).
 */
export function ownerIsRunning(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) return true; // another machine: cannot tell, so it holds
  if (!isAlive(owner.pid)) return false;
  if (owner.processStart === undefined) return true; // an older lock: the pid is all there is
  const now = processStartOf(owner.pid);
  return now === null || now === owner.processStart;
}

/**
 * PGlite is a single-process database: two processes writing one data directory would corrupt it.
 * The lock file holds the owner's pid and its process start; a lock whose process no longer runs —
 * or whose pid now belongs to another program — is taken over. Returns the release function (also
 * run on process exit).
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(lockPath);
      if (owner && ownerIsRunning(owner)) {
        const command = owner.hostname === os.hostname() ? commandOf(owner.pid) : null;
        throw new DomainError(
          'DATABASE_LOCKED',
          `The data directory ${dataDir} is in use by process ${owner.pid}${command ? ` (${command})` : ''} on ${owner.hostname} (since ${owner.startedAt}). ` +
            'Close that LinguaFlex Ops first, or choose another directory with --data-dir.',
          { dataDir, pid: owner.pid },
        );
      }
      // Stale: its owner is gone (crash or kill), or its pid is another program's now. Remove it and try once more.
      try {
        unlinkSync(lockPath);
      } catch {
        // Another process may have removed it first; the retry decides.
      }
      continue;
    }
    const start = processStartOf(process.pid);
    const owner: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      ...(start ? { processStart: start } : {}),
    };
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.off('exit', release);
      const current = readOwner(lockPath);
      if (current?.pid === process.pid) {
        try {
          unlinkSync(lockPath);
        } catch {
          // Already gone.
        }
      }
    };
    process.on('exit', release);
    return release;
  }
  throw new DomainError(
    'DATABASE_LOCKED',
    `Could not lock the data directory ${dataDir}; another process keeps taking it`,
    {
      dataDir,
    },
  );
}

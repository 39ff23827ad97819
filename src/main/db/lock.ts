import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../domain/errors';

export const LOCK_FILE_NAME = 'linguaflex.lock';

interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
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

/**
 * PGlite is a single-process database: two processes writing one data directory would corrupt it.
 * The lock file holds the owner's pid; a lock left by a process that no longer runs is taken over.
 * Returns the release function (also run on process exit).
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
      if (owner && (owner.hostname !== os.hostname() || isAlive(owner.pid))) {
        throw new DomainError(
          'DATABASE_LOCKED',
          `The data directory ${dataDir} is in use by process ${owner.pid} on ${owner.hostname} (since ${owner.startedAt}). ` +
            'Close that LinguaFlex Ops first, or choose another directory with --data-dir.',
          { dataDir, pid: owner.pid },
        );
      }
      // Stale: its owner is gone (crash or kill). Remove it and try once more.
      try {
        unlinkSync(lockPath);
      } catch {
        // Another process may have removed it first; the retry decides.
      }
      continue;
    }
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
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

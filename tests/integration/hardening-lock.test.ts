import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/database';
import { LOCK_FILE_NAME, processStartOf, type LockOwner } from '../../src/main/db/lock';
import { DomainError } from '../../src/main/domain/errors';

const temp = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-hardening-lock-'));

/**
 * Issue 10, point 8 (the stale lock): a crash leaves the lock file behind; its pid may by now belong
 * to another, live program (pids are reused). Before, any live pid kept the data folder locked for
 * good; the lock now records its process's start and tells the two apart.
 */
describe.skipIf(!existsSync('/proc/self/stat'))('a stale lock whose pid belongs to another program', () => {
  let sleeper: ChildProcess;
  let pid: number;

  beforeAll(async () => {
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      sleeper.once('spawn', resolve);
      sleeper.once('error', reject);
    });
    pid = sleeper.pid ?? 0;
    expect(pid).toBeGreaterThan(0);
  });
  afterAll(() => {
    sleeper.kill('SIGKILL');
    rmSync(temp, { recursive: true, force: true });
  });

  function leaveLock(dataDir: string, owner: Partial<LockOwner>) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({ pid, hostname: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', ...owner }),
      { mode: 0o600 },
    );
  }

  it('our own lock records our process start (the kernel’s, from /proc)', async () => {
    const dataDir = path.join(temp, 'own');
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const owner = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8')) as LockOwner;
      expect(owner.pid).toBe(process.pid);
      expect(owner.processStart).toBe(processStartOf(process.pid));
      expect(owner.processStart).toMatch(/^[\w-]+:\d+$/);
    } finally {
      await db.close();
    }
  });

  it('a lock naming a live process with another start (the pid was reused) is taken over', async () => {
    const dataDir = path.join(temp, 'reused');
    const start = processStartOf(pid);
    expect(start).not.toBeNull();
    const [boot, ticks] = (start ?? '').split(':');
    leaveLock(dataDir, { processStart: `${boot}:${Number(ticks) - 1}` });
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const owner = JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8')) as LockOwner;
      expect(owner.pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    expect(sleeper.exitCode).toBeNull(); // the other program was left alone
  });

  it('a lock naming a live process with its own start is honoured: refused, naming the process', async () => {
    const dataDir = path.join(temp, 'held');
    leaveLock(dataDir, { processStart: processStartOf(pid) ?? '' });
    const error = await openDatabase({ kind: 'pglite', dataDir }).then(
      async (db) => {
        await db.close();
        return null;
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('DATABASE_LOCKED');
    expect((error as DomainError).message).toContain(`is in use by process ${pid} (sleep) on ${os.hostname()}`);
    // Nothing was opened or changed: the lock is still the other process's.
    expect(JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid });
  });

  it('a lock from a previous boot is stale whatever its pid', async () => {
    const dataDir = path.join(temp, 'rebooted');
    const ticks = (processStartOf(pid) ?? '').split(':')[1];
    leaveLock(dataDir, { processStart: `00000000-0000-0000-0000-000000000000:${ticks}` });
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await db.close();
  });

  it('an older lock without a recorded start still counts as held while its pid lives', async () => {
    const dataDir = path.join(temp, 'old-format');
    leaveLock(dataDir, {});
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(`is in use by process ${pid}`);
  });
});

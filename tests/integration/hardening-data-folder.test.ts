import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/main/config/config';
import type { Logger } from '../../src/main/log';
import { startApp } from '../../src/main/startup';
import { buildScenario } from '../factories/scenario';

/** Every folder and file under `root` (the root included), with its permission bits. */
function modes(root: string): { path: string; folder: boolean; mode: number }[] {
  const found: { path: string; folder: boolean; mode: number }[] = [];
  const visit = (current: string) => {
    const stats = lstatSync(current);
    if (stats.isSymbolicLink()) return;
    found.push({ path: path.relative(root, current) || '.', folder: stats.isDirectory(), mode: stats.mode & 0o777 });
    if (stats.isDirectory()) for (const name of readdirSync(current)) visit(path.join(current, name));
  };
  visit(root);
  return found;
}

/** The entries whose modes are not owner-only (folders 0700, files 0600), as "0644 db/base/1/112". */
const notPrivate = (root: string) =>
  modes(root)
    .filter((entry) => entry.mode !== (entry.folder ? 0o700 : 0o600))
    .map((entry) => `${entry.mode.toString(8).padStart(4, '0')} ${entry.path}`);

function capturingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    info: (line) => lines.push(`info: ${line}`),
    warn: (line) => lines.push(`warn: ${line}`),
    error: (line) => lines.push(`error: ${line}`),
  };
  return { lines, logger };
}

/**
 * Issue 10, point 1: the embedded database's files were created world-readable (0666 files in 0755
 * folders) and its write-ahead log holds staff password hashes and Zoom host links. The data folder
 * is now the owner's alone — folders 0700, files 0600 — as created, after writes, and as repaired
 * when an earlier version left it open (said once).
 */
describe('a private data folder', () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-hardening-folder-'));
  const dataDir = path.join(parent, 'data');
  const config: AppConfig = {
    dataDir,
    database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
    firstAdmin: null,
  };
  let previousUmask: number;

  beforeAll(() => {
    // The most permissive umask: whatever is made without an owner-only mode of its own shows up.
    previousUmask = process.umask(0);
  });
  afterAll(() => {
    process.umask(previousUmask);
    rmSync(parent, { recursive: true, force: true });
  });

  it('a fresh data folder is owner-only after the first start, and stays so after writes', async () => {
    const { logger, lines } = capturingLogger();
    const { container } = await startApp({ config, logger, demoData: 'skip', env: {} });
    try {
      expect(lines.filter((line) => line.includes('readable by other users'))).toEqual([]);
      expect(notPrivate(dataDir)).toEqual([]);
      // Writes: people, bookings, a payment (the local Stripe's journal), a meeting and emails (the
      // outbox, the Zoom and mail sandboxes' journals), then a checkpoint (new WAL and relation files).
      await buildScenario(container, {
        teachers: { ana: { gigs: { es: { rate: 4000 } } } },
        students: { bob: {} },
        bookings: {
          paid: { student: 'bob', gig: 'ana.es', startsInHours: 72, state: 'CONFIRMED/PAID' },
          open: { student: 'bob', gig: 'ana.es', startsInHours: 96 },
        },
      });
      await container.outbox.idle();
      await container.db.nativeTransaction((query) => query('CREATE TABLE hardening_probe AS SELECT 1 AS one'));
      await container.db.maintain();
      await container.db.directQuery('CHECKPOINT', []);
    } finally {
      await container.close();
    }
    const entries = modes(dataDir);
    // What is there: the database's folders and files, the sandboxes' journals, the first admin's file.
    expect(entries.filter((entry) => !entry.folder).length).toBeGreaterThan(500);
    expect(entries.map((entry) => entry.path)).toEqual(
      expect.arrayContaining(['db', 'db/pg_wal', 'db/global/pg_control', 'sandboxes', 'first-admin.txt']),
    );
    expect(entries.some((entry) => entry.path.startsWith('sandboxes/') && entry.path.endsWith('.jsonl'))).toBe(true);
    expect(notPrivate(dataDir)).toEqual([]);
  });

  it('a folder an earlier version left readable is repaired at the next start, said once', async () => {
    // As the old code left it: 0755 folders and 0666 files (and a world-writable folder for good measure).
    for (const entry of modes(dataDir))
      chmodSync(path.join(dataDir, entry.path), entry.folder ? (entry.path === 'sandboxes' ? 0o777 : 0o755) : 0o666);
    expect(notPrivate(dataDir).length).toBeGreaterThan(500);

    const first = capturingLogger();
    const { container } = await startApp({ config, logger: first.logger, demoData: 'skip', env: {} });
    await container.close();
    expect(notPrivate(dataDir)).toEqual([]);
    const said = first.lines.filter((line) => line.includes('readable by other users'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^warn: The data folder .*\/data was readable by other users of this computer: made \d+ folder\(s\) and file\(s\) private \(owner only\)\.$/,
    );

    // Repaired for good: the next start has nothing to say.
    const second = capturingLogger();
    const again = await startApp({ config, logger: second.logger, demoData: 'skip', env: {} });
    await again.container.close();
    expect(second.lines.filter((line) => line.includes('readable by other users'))).toEqual([]);
    expect(notPrivate(dataDir)).toEqual([]);
  });
});

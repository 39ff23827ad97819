import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this module holding prisma/schema.prisma. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'prisma', 'schema.prisma'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the project root (no prisma/schema.prisma above this module)');
    dir = parent;
  }
}

export function migrationsDir(): string {
  return process.env['LINGUAFLEX_MIGRATIONS_DIR'] ?? path.join(projectRoot(), 'prisma', 'migrations');
}

export function schemaPath(): string {
  return path.join(projectRoot(), 'prisma', 'schema.prisma');
}

/** The data folder is the owner's alone: its folders 0700, its files 0600 (R34: it holds password hashes and host links). */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export interface PrivateFolderReport {
  /** The folder did not exist and was created (owner-only). */
  created: boolean;
  /** Folders and files that others could reach and now cannot. */
  repaired: number;
  /** Entries whose modes could not be changed (owned by another user…), with why. */
  failed: string[];
}

/**
 * Creates `dir` owner-only (0700, missing parents too), or makes an existing one and everything in it
 * owner-only: every folder 0700 and every file 0600 that was open to the group or others. Symbolic
 * links are neither changed nor followed. On Windows, where modes mean nothing, it only creates.
 */
export function makeFolderPrivate(dir: string, platform: NodeJS.Platform = process.platform): PrivateFolderReport {
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const report: PrivateFolderReport = { created, repaired: 0, failed: [] };
  if (platform === 'win32') return report;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    let stats;
    try {
      stats = lstatSync(current);
    } catch {
      continue; // removed meanwhile
    }
    if (stats.isSymbolicLink()) continue;
    const folder = stats.isDirectory();
    if ((stats.mode & 0o077) !== 0) {
      try {
        chmodSync(current, folder ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
        report.repaired += 1;
      } catch (error) {
        report.failed.push(`${current}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (folder) {
      try {
        for (const name of readdirSync(current)) pending.push(path.join(current, name));
      } catch (error) {
        report.failed.push(`${current}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return report;
}

/** The one line a start prints when it had to make a data folder private (null when there was nothing to do). */
export function describePrivateFolder(dir: string, report: PrivateFolderReport): string | null {
  if (report.repaired === 0 && report.failed.length === 0) return null;
  const repaired =
    report.repaired > 0
      ? `The data folder ${dir} was readable by other users of this computer: made ${report.repaired} folder(s) and file(s) private (owner only).`
      : `The data folder ${dir} is readable by other users of this computer.`;
  const failed =
    report.failed.length > 0
      ? ` ${report.failed.length} could not be changed (make them private by hand): ${report.failed.slice(0, 3).join('; ')}${report.failed.length > 3 ? '; …' : ''}`
      : '';
  return `${repaired}${failed}`;
}

import { existsSync } from 'node:fs';
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

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { AppConfig } from '../../src/main/config/config';
import { createContainer, type Container } from '../../src/main/container';
import type { Clock } from '../../src/main/domain/clock';
import type { DatabaseTarget } from '../../src/main/db/database';
import type { IntegrationOptions } from '../../src/main/integrations';

export type DbKind = 'pglite' | 'postgres';
export const DB_KINDS: DbKind[] = ['pglite', 'postgres'];

const TEMPLATE_DATABASE = 'linguaflex_template';

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database cloned from the migrated template (several hosts may share it). */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_${randomUUID().replaceAll('-', '')}`;
  // Two files cloning at the same moment collide ("being accessed by other users"): retry briefly.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
      break;
    } catch (error) {
      if (attempt >= 50 || !String(error).includes('being accessed by other users')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  const url = new URL(inject('postgresAdminUrl'));
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A fresh, migrated database of the given kind, with the app's container over it. */
export async function openTestContainer(
  kind: DbKind,
  clock: Clock,
  options: { integrations?: IntegrationOptions } = {},
): Promise<{ container: Container; dispose(): Promise<void> }> {
  let target: DatabaseTarget;
  let dropDatabase = (): Promise<void> => Promise.resolve();
  if (kind === 'postgres') {
    const database = await freshPostgresDatabase();
    target = { kind: 'postgres', url: database.url };
    dropDatabase = () => database.drop();
  } else {
    target = { kind: 'pglite-memory' };
  }
  // A fresh data folder: the sandboxes the container starts keep their state there, as in the app.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'linguaflex-test-'));
  const config: AppConfig = { dataDir, database: target, firstAdmin: null };
  // env: {} so tests never pick up real credentials from the machine: every integration is a sandbox.
  const container = await createContainer({
    config,
    clock,
    env: {},
    ...(options.integrations ? { integrations: options.integrations } : {}),
  });
  return {
    container,
    dispose: async () => {
      await container.close();
      await dropDatabase();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';
import { createContainer, systemClock, type Container } from '../../src/main/container';
import { marketplaceApi } from '../../src/main/http/api';
import { buildServer, type ServerTimeouts } from '../../src/main/http/server';
import { silentLogger } from '../../src/main/log';
import { hashPassword } from '../../src/main/services/passwords';
import { buildScenario } from '../factories/scenario';

const STAFF_PASSWORD = 'a long staff password 1';
const PEOPLE_PASSWORD = 'long enough 1';

export interface HostileHost {
  readonly base: string;
  readonly app: FastifyInstance;
  readonly container: Container;
  /** A signed-in staff member's session token for /trpc. */
  staffToken(role: 'ADMIN' | 'FINANCE' | 'SUPPORT'): Promise<string>;
  /** A registered, signed-in student or teacher: an access token for /api. */
  person(role: 'STUDENT' | 'TEACHER'): Promise<{ id: number; token: string; refreshToken: string }>;
  /**
   * Rows per table once the outbox is idle, the bookkeeping of abuse limits aside (a refused attempt
   * is meant to count).
   */
  rowCounts(): Promise<Record<string, number>>;
  /** Waits until nothing more is written (the deliveries of earlier calls and what they announce). */
  settled(): Promise<void>;
  /** A small world to aim at: a teacher with a gig, a student, a booking awaiting the teacher. */
  world(): Promise<{ gigId: number; bookingId: number; studentId: number; teacherId: number }>;
  close(): Promise<void>;
}

/**
 * The headless host's HTTP server (the staff router and the marketplace API) over an in-memory
 * PGlite, with no background jobs — so anything written while a test runs was written by its request.
 */
export async function openHostileHost(
  options: { timeouts?: Partial<ServerTimeouts>; pino?: Pino } = {},
): Promise<HostileHost> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'linguaflex-hostile-'));
  const container = await createContainer({
    config: { dataDir, database: { kind: 'pglite-memory' }, firstAdmin: null },
    clock: systemClock,
    // Many calls from one address: the limits themselves are tested in api-limits.
    env: { LINGUAFLEX_RATE_LIMIT_FACTOR: '1000', LINGUAFLEX_TOKEN_SECRET: 'hostile-host-test-secret-0123456789abcdef' },
  });
  const app = await buildServer({
    container,
    logger: silentLogger,
    staticDir: path.join(dataDir, 'no-renderer'),
    routes: marketplaceApi(container, {}),
    timeouts: options.timeouts,
    pino: options.pino,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  let sequence = 0;
  const post = async (url: string, body: unknown) => {
    const answer = await fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${url}: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };

  const tables = (
    await container.db.directQuery<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
          AND table_name NOT IN ('RateLimitCounter', 'RateLimitWindow', '_prisma_migrations')
        ORDER BY table_name`,
      [],
    )
  ).map((row) => row.name);

  const rowCounts = async () => {
    // Deliveries of earlier, successful calls (emails, meetings) land when the outbox gets to them.
    await container.outbox.idle();
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const [row] = await container.db.directQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`, []);
      counts[table] = row?.n ?? 0;
    }
    return counts;
  };

  return {
    base,
    app,
    container,
    rowCounts,
    async staffToken(role) {
      const email = `${role.toLowerCase()}-${(sequence += 1)}@hostile.test`;
      const passwordHash = await hashPassword(STAFF_PASSWORD);
      await container.uow.transaction((repos) =>
        repos.staff.create({ email, name: role, role, passwordHash, createdAt: new Date() }),
      );
      const login = (await post('/trpc/auth.login', { json: { email, password: STAFF_PASSWORD } })) as {
        result: { data: { json: { token: string } } };
      };
      return login.result.data.json.token;
    },
    async person(role) {
      const email = `${role.toLowerCase()}-${(sequence += 1)}@hostile.test`;
      await post('/api/register/', { email, password: PEOPLE_PASSWORD, full_name: `${role} ${sequence}`, role });
      const login = (await post('/api/login/', { email, password: PEOPLE_PASSWORD })) as {
        user: { id: number };
        access_token: string;
        refresh_token: string;
      };
      return { id: login.user.id, token: login.access_token, refreshToken: login.refresh_token };
    },
    async settled() {
      let last = JSON.stringify(await rowCounts());
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const now = JSON.stringify(await rowCounts());
        if (now === last) return;
        last = now;
      }
    },
    async world() {
      const s = await buildScenario(container, {
        teachers: { ana: { gigs: { es: { rate: 4000 } } } },
        students: { bob: {} },
        bookings: { open: { student: 'bob', gig: 'ana.es', startsInHours: 96 } },
      });
      return {
        gigId: s.teachers.ana.gigs.es.id,
        bookingId: s.bookings.open.id,
        studentId: s.students.bob.id,
        teacherId: s.teachers.ana.id,
      };
    },
    async close() {
      app.server.closeAllConnections();
      await app.close();
      await container.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

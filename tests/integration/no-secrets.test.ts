import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock } from '../../src/main/domain/clock';
import type { Logger } from '../../src/main/log';
import { buildScenario } from '../factories/scenario';
import { openTestContainer } from '../support/test-db';

/** R20: card numbers, CVCs and secret keys never reach the database, the logs or the renderer. */
const FORBIDDEN = [
  /4242424242424242/,
  /\b\d{13,19}\b/,
  /\bcvc\b["':= ]+\d{3,4}/i,
  /sk_(test|live)_[A-Za-z0-9]{4,}/,
  /whsec_[A-Za-z0-9]{8,}/,
];

describe('no card data or secrets are stored, logged or shipped to the renderer', () => {
  const logged: string[] = [];
  const logger: Logger = {
    info: (line) => logged.push(line),
    warn: (line) => logged.push(line),
    error: (line, error) => logged.push(`${line} ${String(error)}`),
  };
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    database = await openTestContainer('pglite', fixedClock(new Date('2026-12-01T09:00:00Z')));
    container = database.container;
  });
  afterAll(async () => database.dispose());

  it('after a full payment, refund and cancellation, no table and no log line holds one', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/UNPAID' } },
    });
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: s.bookings.a.id,
      paymentMethodId: card.paymentMethodId,
    });
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    await container.outbox.drain();
    await container.services.bookings.cancelPaid(s.admin, { id: s.bookings.a.id, reason: 'test' });
    await container.outbox.drain();
    logger.info(JSON.stringify(container.integrations.describe()));
    const tables = await container.db.prisma.$queryRaw<
      { table_name: string }[]
    >`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await container.db.prisma.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${table_name}"`);
      dump += JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    }
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).toContain('4242'); // the last four, which R20 allows
    for (const pattern of FORBIDDEN) {
      expect(dump, `database matches ${String(pattern)}`).not.toMatch(pattern);
      expect(logged.join('\n'), `logs match ${String(pattern)}`).not.toMatch(pattern);
    }
  });

  it('the built renderer holds no secret', () => {
    const dir = path.resolve('out/renderer/assets');
    if (!existsSync(dir)) {
      const built = spawnSync(
        process.execPath,
        [path.resolve('node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'error'],
        { stdio: 'inherit' },
      );
      expect(built.status).toBe(0);
    }
    const files = readdirSync(dir);
    expect(files.some((file) => file.endsWith('.js'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      for (const pattern of [FORBIDDEN[3], FORBIDDEN[4]])
        expect(text, `${file} matches ${String(pattern)}`).not.toMatch(pattern as RegExp);
    }
  });
});

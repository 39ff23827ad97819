import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/main/config/config';
import { createContainer, type Container } from '../../src/main/container';
import { fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import { buildScenario } from '../factories/scenario';

/**
 * On the embedded default the local Stripe lives in the data folder: paying today and refunding
 * after a restart works, and reconciliation finds Stripe agreeing with us (no false mismatches).
 */
describe('restarting the app between paying and refunding', () => {
  const clock = fixedClock(new Date('2026-12-01T09:00:00Z'));
  let dataDir = '';
  let container: Container | null = null;
  const open = async (): Promise<Container> => {
    const config: AppConfig = {
      dataDir,
      database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
      firstAdmin: null,
    };
    container = await createContainer({ config, clock, env: {} });
    return container;
  };
  afterAll(async () => {
    await container?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the local Stripe remembers the customer, intent and charge; the refund succeeds; reconciliation agrees', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'linguaflex-restart-'));
    const first = await open();
    const s = await buildScenario(first, {
      staff: { sue: 'SUPPORT', fay: 'FINANCE' },
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', startsInHours: 30, state: 'CONFIRMED/PAID' } },
    });
    const id = s.bookings.a.id;
    const [payment] = await first.uow.read.payments.forBooking(id);
    const stripeUrl = first.integrations.sandboxes.stripe?.url;
    await first.close();
    container = null;

    clock.advance(32 * HOUR_MS);
    const second = await open();
    expect(second.integrations.sandboxes.stripe?.url).not.toBeUndefined();
    expect(second.integrations.sandboxes.stripe?.snapshot().intents.map((intent) => intent['id'])).toContain(
      payment?.stripePaymentIntentId,
    );
    expect(stripeUrl).toBeDefined();
    await second.services.bookings.complete(s.admin, { id });
    const request = await second.services.refunds.request(s.staff.sue, {
      paymentId: payment?.id,
      amountMinor: 2500,
      reason: 'Late start',
    });
    expect((await second.services.refunds.approve(s.staff.fay, { id: request.id })).status).toBe('SUCCEEDED');
    const report = await second.services.reconciliation.run();
    expect(report).toMatchObject({ errors: [], mismatches: 0 });
    expect(await second.services.reconciliation.list(s.admin, { status: 'OPEN' })).toEqual([]);
  });
});

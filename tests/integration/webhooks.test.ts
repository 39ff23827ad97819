import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/main/domain/clock';
import { startHost, type RunningHost } from '../../src/main/host';
import { silentLogger } from '../../src/main/log';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { buildScenario } from '../factories/scenario';

/** R25 over the host's real endpoint: signatures, duplicates, and events in any order. */
describe('Stripe webhooks on the headless host', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-webhooks-'));
  const clock = fixedClock(new Date('2026-12-01T09:00:00Z'));
  const stripe = new StripeSandbox();
  let host: RunningHost;

  beforeAll(async () => {
    await stripe.start();
    host = await startHost({
      config: { dataDir, database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') }, firstAdmin: null },
      logger: silentLogger,
      demoData: 'skip',
      clock,
      staticDir: dataDir,
      integrations: { sandboxes: { stripe } },
      pollIntervalMs: 3_600_000,
      backgroundDelayMs: 0,
    });
    // The start-up reconciliation runs after the host answers: let it finish, or it could settle a
    // payment "paid behind our back" before a test's webhook does.
    await host.background;
    stripe.setWebhook(null); // these tests deliver events themselves
  });
  afterAll(async () => {
    await host.close();
    await stripe.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const secret = () => host.container.integrations.webhookSecret;
  const sign = (body: string, at = Math.floor(Date.now() / 1000), key = secret()) =>
    `t=${at},v1=${createHmac('sha256', key).update(`${at}.${body}`).digest('hex')}`;
  const post = (body: string, signature: string | null) =>
    fetch(`${host.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(signature ? { 'Stripe-Signature': signature } : {}) },
      body,
    });

  /** A booking whose intent succeeded at Stripe without this console hearing of it. */
  async function paidBehindOurBack() {
    const { container } = host;
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/UNPAID' } },
    });
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_chargeCustomerFail',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: s.bookings.a.id,
      paymentMethodId: card.paymentMethodId,
    });
    const good = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const eventsBefore = stripe.snapshot().events.length;
    await container.integrations.gateway.confirmPaymentIntent(
      intent.paymentIntentId,
      null,
      `behind:${intent.paymentId}:1`,
    ); // declined
    await container.integrations.gateway.confirmPaymentIntent(
      intent.paymentIntentId,
      good.paymentMethodId,
      `behind:${intent.paymentId}:2`,
    ); // succeeds
    const events = stripe
      .snapshot()
      .events.slice(eventsBefore)
      .filter(
        (event) => String(event['type']).startsWith('payment_intent.') || String(event['type']).startsWith('charge.'),
      );
    return { s, intent, events };
  }

  it('refuses a missing, bad or stale signature with 400 and changes nothing', async () => {
    const { intent, events } = await paidBehindOurBack();
    const body = JSON.stringify(events.at(-1));
    const processed = () => host.container.db.prisma.processedStripeEvent.count();
    const before = await processed();
    expect((await post(body, null)).status).toBe(400);
    expect((await post(body, sign(body, undefined, 'whsec_wrong'))).status).toBe(400);
    expect((await post(body, sign(body, Math.floor(Date.now() / 1000) - 301))).status).toBe(400);
    expect((await post(`${body} `, sign(body))).status).toBe(400);
    const response = await post(body, sign(body, Math.floor(Date.now() / 1000) - 301));
    expect(((await response.json()) as { error: string }).error).toContain('signature');
    expect(await processed()).toBe(before);
    expect((await host.container.uow.read.payments.findByIntentId(intent.paymentIntentId))?.status).toBe('PENDING');
  });

  it('the same event twice is applied once; events in any order end in the same state', async () => {
    const { s, intent, events } = await paidBehindOurBack();
    const shuffled = [...events].sort(() => Math.random() - 0.5);
    const outcomes: string[] = [];
    for (const event of [...shuffled, ...shuffled]) {
      const body = JSON.stringify(event);
      const response = await post(body, sign(body));
      expect(response.status).toBe(200);
      outcomes.push(((await response.json()) as { outcome: string }).outcome);
    }
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(events.length);
    const payment = await host.container.uow.read.payments.findByIntentId(intent.paymentIntentId);
    expect(payment?.status).toBe('PAID');
    const booking = await host.container.services.bookings.get(s.admin, { id: s.bookings.a.id });
    expect(booking.booking.paymentStatus).toBe('PAID');
    expect(booking.transitions.filter((transition) => transition.action === 'payment_succeeded')).toHaveLength(1);
  });

  it('an event about a payment already settled at Stripe is recorded without asking Stripe again', async () => {
    const { intent, events } = await paidBehindOurBack();
    const deliver = async (event: Record<string, unknown>) => {
      const body = JSON.stringify(event);
      const response = await post(body, sign(body));
      expect(response.status).toBe(200);
      return ((await response.json()) as { outcome: string }).outcome;
    };
    const retrievals = () =>
      stripe.requests.filter((request) => request.method === 'GET' && request.path.includes(intent.paymentIntentId))
        .length;
    for (const event of events) await deliver(event); // the payment is PAID from Stripe's succeeded intent
    const settled = await host.container.uow.read.payments.findByIntentId(intent.paymentIntentId);
    expect(settled).toMatchObject({ status: 'PAID', stripeStatus: 'succeeded', lastError: null });
    expect(settled?.stripeChargeId).toMatch(/^ch_/);

    // Stripe sends more about the same intent (a charge update, say): nothing to read, nothing to change.
    const before = retrievals();
    const later = { ...events.at(-1), id: `evt_later_${intent.paymentId}`, type: 'charge.updated' };
    expect(await deliver(later)).toBe('applied');
    expect(await deliver(later)).toBe('duplicate');
    expect(retrievals()).toBe(before);
    const after = await host.container.uow.read.payments.findByIntentId(intent.paymentIntentId);
    expect(after).toEqual(settled);
  });

  it('the sandbox’s own signed delivery reaches the endpoint and settles a payment', async () => {
    stripe.setWebhook(`${host.url}/webhooks/stripe`, secret());
    try {
      const { intent } = await paidBehindOurBack();
      await expect
        .poll(async () => (await host.container.uow.read.payments.findByIntentId(intent.paymentIntentId))?.status, {
          timeout: 10_000,
        })
        .toBe('PAID');
    } finally {
      stripe.setWebhook(null);
    }
  });
});

describe('a refund that fails after Stripe accepted it, by webhook (R27)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-refund-webhook-'));
  const clock = fixedClock(new Date('2026-12-01T09:00:00Z'));
  const stripe = new StripeSandbox({ asyncDelayMs: 300 });
  let host: RunningHost;

  beforeAll(async () => {
    await stripe.start();
    host = await startHost({
      config: { dataDir, database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') }, firstAdmin: null },
      logger: silentLogger,
      demoData: 'skip',
      clock,
      staticDir: dataDir,
      integrations: { sandboxes: { stripe } },
      pollIntervalMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await host.close();
    await stripe.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the sandbox’s signed refund.failed reaches the endpoint: the request FAILED, the payment and booking back', async () => {
    const { container } = host;
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT', fay: 'FINANCE' },
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', startsInHours: 30, state: 'CONFIRMED/UNPAID' } },
    });
    const id = s.bookings.a.id;
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_refundFail',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: card.paymentMethodId,
    });
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    clock.advance(32 * 3_600_000);
    await container.services.bookings.complete(s.admin, { id });
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId: intent.paymentId,
      amountMinor: 2000,
      reason: 'Late start',
    });
    expect((await container.services.refunds.approve(s.staff.fay, { id: request.id })).status).toBe('SUCCEEDED');
    await expect
      .poll(async () => (await container.uow.read.refunds.find(request.id))?.status, { timeout: 10_000 })
      .toBe('FAILED');
    expect(await container.uow.read.payments.findById(intent.paymentId)).toMatchObject({
      status: 'PAID',
      refundedMinor: 0,
    });
    expect(await container.uow.read.bookings.findById(id)).toMatchObject({
      status: 'COMPLETED',
      paymentStatus: 'PAID',
    });
  });
});

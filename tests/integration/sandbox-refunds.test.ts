import { afterEach, describe, expect, it } from 'vitest';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { DAY, idOf, manualClock, paidIntent, rejection, sdkFor, stateDir } from './sandbox-support';

/** Refunds as Stripe's test cards make them behave: "Simulate an asynchronous refund" [facts §3, §5]. */
describe('Stripe sandbox refunds', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function sandboxWith(options: ConstructorParameters<typeof StripeSandbox>[0] = {}) {
    const sandbox = new StripeSandbox(options);
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    return { sandbox, stripe: sdkFor(sandbox) };
  }
  const eventsOf = async (stripe: ReturnType<typeof sdkFor>, refundId: string) =>
    (await stripe.events.list({ limit: 100 })).data
      .filter((event) => (event.data.object as { id?: string }).id === refundId)
      .reverse();

  it('pm_card_refundFail: the refund answers succeeded, later fails and releases its amount, with refund.updated and refund.failed', async () => {
    const { sandbox, stripe } = await sandboxWith({ asyncTimers: false });
    const { intent } = await paidIntent(stripe, 'pm_card_refundFail', 8000);
    const refund = await stripe.refunds.create({
      payment_intent: intent.id,
      amount: 3000,
      metadata: { refundRequestId: '9' },
    });
    expect(refund).toMatchObject({ status: 'succeeded', amount: 3000, metadata: { refundRequestId: '9' } });
    const chargeId = idOf(intent.latest_charge);
    expect((await stripe.charges.retrieve(chargeId)).amount_refunded).toBe(3000);
    expect(sandbox.settleAsync()).toBe(1);
    const failed = await stripe.refunds.retrieve(refund.id);
    expect(failed).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
    const listed = await stripe.refunds.list({ payment_intent: intent.id });
    expect(listed.data.map((candidate) => [candidate.id, candidate.status, candidate.metadata])).toEqual([
      [refund.id, 'failed', { refundRequestId: '9' }],
    ]);
    const charge = await stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ amount_refunded: 0, refunded: false });
    const events = await eventsOf(stripe, refund.id);
    expect(events.map((event) => event.type)).toEqual([
      'refund.created',
      'refund.updated',
      'charge.refund.updated',
      'refund.failed',
    ]);
    const updated = events.find((event) => event.type === 'refund.updated');
    expect(updated?.data.previous_attributes).toEqual({ status: 'succeeded' });
    expect(updated?.data.object).toMatchObject({ status: 'failed' });
    // The released amount can be refunded again (on this card that refund fails too, later).
    const again = await stripe.refunds.create({ payment_intent: intent.id, amount: 8000 });
    expect(again.status).toBe('succeeded');
  });

  it('pm_card_pendingRefund: pending first (reserving its amount), then succeeded with refund.updated', async () => {
    const { sandbox, stripe } = await sandboxWith({ asyncTimers: false });
    const { intent } = await paidIntent(stripe, 'pm_card_pendingRefund', 5000);
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 4000 });
    expect(refund.status).toBe('pending');
    expect((await stripe.charges.retrieve(idOf(intent.latest_charge))).amount_refunded).toBe(4000);
    const over = await rejection(stripe.refunds.create({ payment_intent: intent.id, amount: 1001 }));
    expect(over).toMatchObject({ statusCode: 400, param: 'amount' });
    expect(over.message).toBe('Refund amount ($10.01) is greater than unrefunded amount on charge ($10.00)');
    const rest = await stripe.refunds.create({ payment_intent: intent.id });
    expect(rest).toMatchObject({ amount: 1000, status: 'pending' });
    expect(await rejection(stripe.refunds.create({ payment_intent: intent.id, amount: 1 }))).toMatchObject({
      code: 'charge_already_refunded',
    });
    expect(sandbox.settleAsync()).toBe(2);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    const events = await eventsOf(stripe, refund.id);
    expect(events.map((event) => event.type)).toEqual(['refund.created', 'refund.updated', 'charge.refund.updated']);
    expect(events[1]?.data.previous_attributes).toEqual({ status: 'pending' });
    expect(await stripe.charges.retrieve(idOf(intent.latest_charge))).toMatchObject({
      amount_refunded: 5000,
      refunded: true,
    });
  });

  it('on a timer, "later" is asyncDelayMs after the refund', async () => {
    const { stripe } = await sandboxWith({ asyncDelayMs: 100 });
    const { intent } = await paidIntent(stripe, 'pm_card_pendingRefund');
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('pending');
    await expect
      .poll(async () => (await stripe.refunds.retrieve(refund.id)).status, { timeout: 3000 })
      .toBe('succeeded');
  });

  it('tick() runs what the injected clock says is due', async () => {
    const clock = manualClock();
    const { sandbox, stripe } = await sandboxWith({ clock, asyncTimers: false, asyncDelayMs: 60_000 });
    const { intent } = await paidIntent(stripe, 'pm_card_refundFail');
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    clock.advance(59_000);
    expect(sandbox.tick()).toBe(0);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    clock.advance(1_000);
    expect(sandbox.tick()).toBe(1);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('failed');
  });

  it('failNextRefund() makes the next refund on any card fail later; the one after is normal', async () => {
    const { sandbox, stripe } = await sandboxWith({ asyncTimers: false });
    const { intent } = await paidIntent(stripe, 'pm_card_visa', 6000);
    sandbox.failNextRefund('lost_or_stolen_card');
    const failing = await stripe.refunds.create({ payment_intent: intent.id, amount: 6000 });
    expect(failing.status).toBe('succeeded');
    sandbox.settleAsync();
    expect(await stripe.refunds.retrieve(failing.id)).toMatchObject({
      status: 'failed',
      failure_reason: 'lost_or_stolen_card',
    });
    const normal = await stripe.refunds.create({ payment_intent: intent.id, amount: 6000 });
    expect(normal.status).toBe('succeeded');
    expect(sandbox.settleAsync()).toBe(0);
    expect((await stripe.charges.retrieve(idOf(intent.latest_charge))).refunded).toBe(true);
  });

  it('a pending transition survives a restart over the same folder', async () => {
    const folder = stateDir('async');
    cleanups.push(folder.remove);
    const first = new StripeSandbox({ stateDir: folder.dir, asyncTimers: false });
    await first.start();
    const { intent } = await paidIntent(sdkFor(first), 'pm_card_pendingRefund');
    const refund = await sdkFor(first).refunds.create({ payment_intent: intent.id });
    await first.stop();
    const { sandbox, stripe } = await sandboxWith({ stateDir: folder.dir, asyncTimers: false });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('pending');
    expect(sandbox.settleAsync()).toBe(1);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    await sandbox.stop();
    const third = new StripeSandbox({ stateDir: folder.dir, asyncTimers: false });
    expect(third.settleAsync()).toBe(0);
  });

  it('pm_card_bypassPending: funds available at once; other cards’ funds are pending for a while', async () => {
    const clock = manualClock();
    const { stripe } = await sandboxWith({ clock });
    const fast = await paidIntent(stripe, 'pm_card_bypassPending', 7000);
    const slow = await paidIntent(stripe, 'pm_card_visa', 2000);
    const txnOf = async (intentId: string) => {
      const intent = await stripe.paymentIntents.retrieve(intentId);
      const charge = await stripe.charges.retrieve(idOf(intent.latest_charge));
      return stripe.balanceTransactions.retrieve(idOf(charge.balance_transaction));
    };
    expect(await txnOf(fast.intent.id)).toMatchObject({ status: 'available', amount: 7000 });
    expect(await txnOf(slow.intent.id)).toMatchObject({ status: 'pending', amount: 2000 });
    const balance = await stripe.balance.retrieve();
    expect(balance.available).toEqual([{ amount: 7000, currency: 'usd', source_types: { card: 7000 } }]);
    expect(balance.pending).toEqual([{ amount: 2000, currency: 'usd', source_types: { card: 2000 } }]);
    clock.advance(2 * DAY);
    expect((await stripe.balance.retrieve()).available[0]?.amount).toBe(9000);
  });
});

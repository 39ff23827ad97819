import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { customerWithCard, DAY, HOUR, manualClock, rejection, sdkFor, stateDir } from './sandbox-support';

/** Stripe's idempotency as the facts sheet (§1) and docs.stripe.com/idempotency describe it. */
describe('Stripe sandbox idempotency', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function sandboxWith(options: ConstructorParameters<typeof StripeSandbox>[0] = {}) {
    const sandbox = new StripeSandbox(options);
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    return sandbox;
  }
  const chargesOf = (sandbox: StripeSandbox, intentId: string) =>
    sandbox.snapshot().charges.filter((charge) => charge['payment_intent'] === intentId);

  it('keeps an answer for 24 hours of its clock, then forgets the key (also across a restart)', async () => {
    const clock = manualClock();
    const folder = stateDir('ttl');
    cleanups.push(folder.remove);
    const sandbox = await sandboxWith({ clock, stateDir: folder.dir });
    const stripe = sdkFor(sandbox);
    const first = await stripe.customers.create({ email: 'a@example.test' }, { idempotencyKey: 'customer-a' });
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    clock.advance(24 * HOUR - 1000);
    const replay = await stripe.customers.create({ email: 'a@example.test' }, { idempotencyKey: 'customer-a' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(replay.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    // Restarted over the same folder, the key is still known...
    await sandbox.stop();
    const restarted = await sandboxWith({ clock, stateDir: folder.dir });
    const again = sdkFor(restarted);
    expect((await again.customers.create({ email: 'a@example.test' }, { idempotencyKey: 'customer-a' })).id).toBe(
      first.id,
    );
    // ...until 24 hours have passed: then the request runs anew.
    clock.advance(1000);
    const fresh = await again.customers.create({ email: 'a@example.test' }, { idempotencyKey: 'customer-a' });
    expect(fresh.id).not.toBe(first.id);
    expect(fresh.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(restarted.snapshot().customers).toHaveLength(2);
    // A day later still, the new answer is the one replayed.
    clock.advance(DAY - HOUR);
    expect((await again.customers.create({ email: 'a@example.test' }, { idempotencyKey: 'customer-a' })).id).toBe(
      fresh.id,
    );
  });

  it('saves an injected 500 under its key and replays it; a new key works', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const { customer, method } = await customerWithCard(stripe);
    sandbox.faults.failNext(1, { kind: 'status', status: 500 });
    const params = {
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method: method.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const },
    };
    const failed = await rejection(stripe.paymentIntents.create(params, { idempotencyKey: 'intent-1' }));
    expect(failed).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(failed.statusCode).toBe(500);
    expect(sandbox.snapshot().intents).toHaveLength(0);
    const replayed = await rejection(stripe.paymentIntents.create(params, { idempotencyKey: 'intent-1' }));
    expect(replayed.statusCode).toBe(500);
    expect(replayed.headers?.['idempotent-replayed']).toBe('true');
    expect(sandbox.snapshot().intents).toHaveLength(0);
    const intent = await stripe.paymentIntents.create(params, { idempotencyKey: 'intent-2' });
    expect(intent.status).toBe('succeeded');
    expect(sandbox.snapshot().intents).toHaveLength(1);
  });

  it('replays business errors and declines, but saves nothing when validation fails', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    // Validation failure (missing amount): nothing saved, so the corrected request with the same key runs.
    const invalid = await rejection(
      stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams, {
        idempotencyKey: 'fixable',
      }),
    );
    expect(invalid).toMatchObject({ statusCode: 400, param: 'amount' });
    const fixed = await stripe.paymentIntents.create({ amount: 900, currency: 'usd' }, { idempotencyKey: 'fixable' });
    expect(fixed.amount).toBe(900);
    // A decline (402) ran: it is saved and replayed, and the card is charged once.
    const { customer, method } = await customerWithCard(stripe, 'pm_card_chargeCustomerFail');
    const intent = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const confirm = () =>
      stripe.paymentIntents.confirm(intent.id, { payment_method: method.id }, { idempotencyKey: 'confirm-1' });
    const declined = await rejection(confirm());
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    const declinedAgain = await rejection(confirm());
    expect(declinedAgain).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(declinedAgain.headers?.['idempotent-replayed']).toBe('true');
    expect(chargesOf(sandbox, intent.id)).toHaveLength(1);
    // A business error (cancel a succeeded intent) is saved too.
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.paymentIntents.confirm(intent.id, { payment_method: visa.id });
    const cancel = () => stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: 'cancel-1' });
    expect(await rejection(cancel())).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect((await rejection(cancel())).headers?.['idempotent-replayed']).toBe('true');
  });

  it('the same key with other parameters is an idempotency_error', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    await stripe.customers.create({ email: 'one@example.test' }, { idempotencyKey: 'same-key' });
    const error = await rejection(
      stripe.customers.create({ email: 'two@example.test' }, { idempotencyKey: 'same-key' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.type).toBe('StripeIdempotencyError');
    expect(error.message).toBe(
      "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'same-key' if you meant to execute a different request.",
    );
    // Another endpoint under the same key is "different parameters" too.
    expect(
      await rejection(stripe.paymentIntents.create({ amount: 900, currency: 'usd' }, { idempotencyKey: 'same-key' })),
    ).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('timeout-after: the work is done and saved, the answer lost; the same key replays it (one charge)', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox, { timeoutMs: 400 });
    const { customer, method } = await customerWithCard(stripe);
    const intent = await stripe.paymentIntents.create({
      amount: 4000,
      currency: 'usd',
      customer: customer.id,
      payment_method: method.id,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    sandbox.faults.failNext(1, { kind: 'timeout-after' });
    const lost = await rejection(stripe.paymentIntents.confirm(intent.id, {}, { idempotencyKey: 'confirm-lost' }));
    expect(lost).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(chargesOf(sandbox, intent.id)).toHaveLength(1);
    const replay = await stripe.paymentIntents.confirm(intent.id, {}, { idempotencyKey: 'confirm-lost' });
    expect(replay.status).toBe('succeeded');
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(chargesOf(sandbox, intent.id)).toHaveLength(1);
  });

  it('timeout-before: nothing is done, so the same key runs the request', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox, { timeoutMs: 400 });
    sandbox.faults.failNext(1, { kind: 'timeout-before' });
    expect(
      await rejection(stripe.customers.create({ email: 'x@example.test' }, { idempotencyKey: 'never-arrived' })),
    ).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(sandbox.snapshot().customers).toHaveLength(0);
    const created = await stripe.customers.create({ email: 'x@example.test' }, { idempotencyKey: 'never-arrived' });
    expect(created.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(sandbox.snapshot().customers).toHaveLength(1);
  });

  it('a request with a key still running gets 409 idempotency_key_in_use and nothing is saved for it', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    sandbox.faults.failNext(1, { kind: 'slow', delayMs: 400 });
    const first = stripe.customers.create({ email: 'slow@example.test' }, { idempotencyKey: 'busy' });
    await expect.poll(() => sandbox.requests.filter((request) => request.idempotencyKey === 'busy').length).toBe(1);
    const collision = await rejection(
      stripe.customers.create({ email: 'slow@example.test' }, { idempotencyKey: 'busy' }),
    );
    expect(collision).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(collision).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });
    expect(collision.raw).toMatchObject({ type: 'invalid_request_error' });
    expect(collision.message).toContain('There is currently another in-progress request using this Idempotent Key');
    const created = await first;
    const replay = await stripe.customers.create({ email: 'slow@example.test' }, { idempotencyKey: 'busy' });
    expect(replay.id).toBe(created.id);
    expect(sandbox.snapshot().customers).toHaveLength(1);
  });

  it('the SDK’s own retry after a 409 gets the first request’s answer', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox, { retries: 2 });
    sandbox.faults.failNext(1, { kind: 'slow', delayMs: 300 });
    const first = stripe.customers.create({ email: 'r@example.test' }, { idempotencyKey: 'retried' });
    await expect.poll(() => sandbox.requests.length).toBe(1);
    const second = await stripe.customers.create({ email: 'r@example.test' }, { idempotencyKey: 'retried' });
    expect(second.id).toBe((await first).id);
    expect(sandbox.requests.filter((request) => request.idempotencyKey === 'retried').length).toBeGreaterThanOrEqual(3);
  });

  it('events carry the request id and idempotency key that caused them; asynchronous ones carry nulls', async () => {
    const sandbox = await sandboxWith({ asyncTimers: false });
    const stripe = sdkFor(sandbox);
    const { customer, method } = await customerWithCard(stripe, 'pm_card_pendingRefund');
    const intent = await stripe.paymentIntents.create(
      {
        amount: 6000,
        currency: 'usd',
        customer: customer.id,
        payment_method: method.id,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { idempotencyKey: 'create-and-confirm' },
    );
    const events = (await stripe.events.list({ limit: 100 })).data;
    const caused = events.filter((event) =>
      ['payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded'].includes(event.type),
    );
    expect(caused).toHaveLength(3);
    for (const event of caused)
      expect(event.request).toEqual({ id: intent.lastResponse.requestId, idempotency_key: 'create-and-confirm' });
    // Without a key of the caller's, the SDK's own generated key is the one recorded.
    await stripe.refunds.create({ payment_intent: intent.id, amount: 1000 });
    const created = (await stripe.events.list({ type: 'refund.created' })).data[0];
    expect(created?.request?.idempotency_key).toMatch(/^stripe-node-retry-/);
    sandbox.settleAsync();
    const updated = (await stripe.events.list({ type: 'refund.updated' })).data[0];
    expect(updated?.request).toEqual({ id: null, idempotency_key: null });
  });
});

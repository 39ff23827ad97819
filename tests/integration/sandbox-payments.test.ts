import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { customerWithCard, DAY, idOf, manualClock, paidIntent, rejection, sdkFor } from './sandbox-support';

/** PaymentIntents, cards and events as Stripe has them [facts §2–§4, §6]. */
describe('Stripe sandbox payments', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function sandboxWith(options: ConstructorParameters<typeof StripeSandbox>[0] = {}) {
    const sandbox = new StripeSandbox(options);
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    return { sandbox, stripe: sdkFor(sandbox) };
  }

  it('delivers an event after the API answer, signed, over one kept-alive connection; none once stopped', async () => {
    const arrivals: { at: number; type: string; signature: string; port: number }[] = [];
    const endpoint = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        arrivals.push({
          at: Date.now(),
          type: (JSON.parse(body) as { type: string }).type,
          signature: String(request.headers['stripe-signature']),
          port: request.socket.remotePort ?? 0,
        });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => endpoint.close(() => resolve())));
    const { sandbox, stripe } = await sandboxWith({ webhookDelayMs: 400 });
    sandbox.setWebhook(`http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hook`, 'whsec_test');

    const asked = Date.now();
    await stripe.customers.create({ email: 'a@hook.test' });
    expect(arrivals).toHaveLength(0); // not before the answer
    await expect.poll(() => arrivals.length, { timeout: 3_000 }).toBe(1);
    expect(arrivals[0]?.type).toBe('customer.created');
    expect(arrivals[0]?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect((arrivals[0]?.at ?? 0) - asked).toBeGreaterThanOrEqual(400);

    await stripe.customers.create({ email: 'b@hook.test' });
    await expect.poll(() => arrivals.length, { timeout: 3_000 }).toBe(2);
    expect(arrivals[1]?.port).toBe(arrivals[0]?.port); // the same connection carried both

    await stripe.customers.create({ email: 'c@hook.test' });
    await sandbox.stop();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(arrivals).toHaveLength(2); // a stopped sandbox delivers nothing more
  });

  it('refuses amounts under the currency’s minimum or over eight digits, and unknown currencies', async () => {
    const { sandbox, stripe } = await sandboxWith();
    const create = (amount: number, currency: string) =>
      stripe.paymentIntents.create({ amount, currency }, { idempotencyKey: `${currency}-${amount}` });
    const tooSmall = await rejection(create(49, 'usd'));
    expect(tooSmall).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooSmall).toMatchObject({
      statusCode: 400,
      code: 'amount_too_small',
      param: 'amount',
      message: 'Amount must be at least $0.50 usd',
    });
    expect((await create(50, 'usd')).amount).toBe(50);
    expect(await rejection(create(29, 'gbp'))).toMatchObject({
      code: 'amount_too_small',
      message: 'Amount must be at least £0.30 gbp',
    });
    expect((await create(30, 'gbp')).currency).toBe('gbp');
    expect(await rejection(create(49, 'eur'))).toMatchObject({ code: 'amount_too_small' });
    expect(await rejection(create(49, 'cad'))).toMatchObject({ code: 'amount_too_small' });
    expect(await rejection(create(49, 'aud'))).toMatchObject({ code: 'amount_too_small' });
    expect(await rejection(create(49, 'jpy'))).toMatchObject({
      code: 'amount_too_small',
      message: 'Amount must be at least ¥50 jpy',
    });
    expect((await create(50, 'jpy')).amount).toBe(50);
    expect(await rejection(create(699, 'krw'))).toMatchObject({
      code: 'amount_too_small',
      message: expect.stringContaining('Amount must convert to at least 50 cents') as string,
    });
    expect((await create(700, 'krw')).currency).toBe('krw');
    expect(await rejection(create(100_000_000, 'usd'))).toMatchObject({
      code: 'amount_too_large',
      param: 'amount',
      message: 'Amount must be no more than $999,999.99',
    });
    expect((await create(99_999_999, 'usd')).amount).toBe(99_999_999);
    expect(await rejection(create(100_000_000, 'jpy'))).toMatchObject({
      code: 'amount_too_large',
      message: 'Amount must be no more than ¥99,999,999',
    });
    const unknown = await rejection(create(5000, 'xyz'));
    expect(unknown).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'currency' });
    expect(unknown.message).toMatch(
      /^Invalid currency: xyz\. Stripe currently supports these currencies: usd, eur, gbp/,
    );
    expect(sandbox.snapshot().intents.map((intent) => intent['amount'])).toEqual([50, 30, 50, 700, 99_999_999]);
  });

  it('a failed 3-D Secure leaves the intent requires_payment_method with payment_intent_authentication_failure; a new attempt clears it', async () => {
    const { sandbox, stripe } = await sandboxWith();
    const { customer, method } = await customerWithCard(stripe, 'pm_card_authenticationRequired');
    const intent = await stripe.paymentIntents.create({
      amount: 4500,
      currency: 'eur',
      customer: customer.id,
      payment_method: method.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action?.type).toBe('use_stripe_sdk');
    sandbox.completeAuthentication(intent.id, false);
    const failed = await stripe.paymentIntents.retrieve(intent.id);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      latest_charge: null,
      last_payment_error: {
        type: 'invalid_request_error',
        code: 'payment_intent_authentication_failure',
        payment_method: { id: method.id },
      },
    });
    const events = (await stripe.events.list({ type: 'payment_intent.payment_failed' })).data;
    expect(events[0]?.data.object).toMatchObject({ id: intent.id });
    // Trying again (with another card) clears the error as the intent moves on.
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const paid = await stripe.paymentIntents.confirm(intent.id, { payment_method: visa.id });
    expect(paid).toMatchObject({ status: 'succeeded', last_payment_error: null, amount_received: 4500 });
  });

  it('last_payment_error goes when the intent moves on: requires_action and canceled', async () => {
    const { stripe } = await sandboxWith();
    const { customer } = await customerWithCard(stripe);
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const intent = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      customer: customer.id,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    await rejection(stripe.paymentIntents.confirm(intent.id, { payment_method: failing.id }));
    expect((await stripe.paymentIntents.retrieve(intent.id)).last_payment_error?.code).toBe('card_declined');
    const threeDs = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const waiting = await stripe.paymentIntents.confirm(intent.id, { payment_method: threeDs.id });
    expect(waiting).toMatchObject({ status: 'requires_action', last_payment_error: null });
    await rejection(stripe.paymentIntents.confirm(intent.id, { payment_method: failing.id }));
    const canceled = await stripe.paymentIntents.cancel(intent.id);
    expect(canceled).toMatchObject({ status: 'canceled', last_payment_error: null });
  });

  it('a detached payment method cannot be attached or used again', async () => {
    const { stripe } = await sandboxWith();
    const { customer, method } = await customerWithCard(stripe);
    const detached = await stripe.paymentMethods.detach(method.id);
    expect(detached.customer).toBeNull();
    const attach = await rejection(stripe.paymentMethods.attach(method.id, { customer: customer.id }));
    expect(attach).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(attach.message).toBe(
      'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
    );
    const confirm = await rejection(
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        payment_method: method.id,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      }),
    );
    expect(confirm).toMatchObject({ statusCode: 400 });
    expect(confirm.message).toContain('or was detached from a Customer. It may not be used again.');
    // A method used without a customer is spent the same way.
    const loose = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const spent = idOf(loose.payment_method);
    expect((await rejection(stripe.paymentMethods.attach(spent, { customer: customer.id }))).message).toContain(
      'may not be used again',
    );
  });

  it('previous_attributes appears only on *.updated events', async () => {
    const { sandbox, stripe } = await sandboxWith({ asyncTimers: false });
    const { customer } = await customerWithCard(stripe);
    const threeDs = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
      payment_method: threeDs.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const { intent } = await paidIntent(stripe, 'pm_card_refundFail');
    await stripe.refunds.create({ payment_intent: intent.id, amount: 1000 });
    sandbox.settleAsync();
    const events = (await stripe.events.list({ limit: 100 })).data;
    const types = new Set(events.map((event) => event.type));
    for (const type of ['payment_intent.requires_action', 'charge.refunded', 'refund.updated', 'refund.failed'])
      expect(types).toContain(type);
    for (const event of events) {
      if (event.type.endsWith('.updated')) expect(event.data.previous_attributes).toBeDefined();
      else expect(event.data).not.toHaveProperty('previous_attributes');
    }
  });

  it('events older than 30 days of the sandbox clock are gone from the list and from retrieval', async () => {
    const clock = manualClock();
    const { stripe } = await sandboxWith({ clock });
    await stripe.customers.create({ email: 'old@example.test' });
    const old = (await stripe.events.list()).data[0];
    expect(old?.type).toBe('customer.created');
    clock.advance(29 * DAY);
    await stripe.customers.create({ email: 'recent@example.test' });
    expect((await stripe.events.list()).data).toHaveLength(2);
    clock.advance(DAY + 1000);
    const left = (await stripe.events.list()).data;
    expect(left).toHaveLength(1);
    expect(left[0]?.id).not.toBe(old?.id);
    expect(await rejection(stripe.events.retrieve(String(old?.id)))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('lists a customer’s intents newest first with metadata, has_more and starting_after', async () => {
    const { stripe } = await sandboxWith();
    const { customer } = await customerWithCard(stripe);
    const other = await stripe.customers.create({ email: 'other@example.test' });
    const made: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const intent = await stripe.paymentIntents.create({
        amount: 1000 + index,
        currency: 'usd',
        customer: customer.id,
        metadata: { paymentId: String(index) },
      });
      made.push(intent.id);
    }
    await stripe.paymentIntents.create({ amount: 999, currency: 'usd', customer: other.id });
    const page = await stripe.paymentIntents.list({ customer: customer.id, limit: 2 });
    expect(page.data.map((intent) => intent.id)).toEqual([made[4], made[3]]);
    expect(page.has_more).toBe(true);
    expect(page.data[0]?.metadata).toEqual({ paymentId: '4' });
    const next = await stripe.paymentIntents.list({ customer: customer.id, limit: 2, starting_after: made[3] });
    expect(next.data.map((intent) => intent.id)).toEqual([made[2], made[1]]);
    const all = await stripe.paymentIntents.list({ customer: customer.id, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((intent) => intent.id)).toEqual([...made].reverse());
    const found = all.find((intent) => intent.metadata['paymentId'] === '2');
    expect(found?.id).toBe(made[2]);
    // Customers can be found by email, as the console does after a lost answer.
    const customers = await stripe.customers.list({ email: 'other@example.test' });
    expect(customers.data.map((listed) => listed.id)).toEqual([other.id]);
  });

  it('off-session 3-D Secure is a 402 authentication_required; manual capture holds the funds until captured', async () => {
    const { sandbox, stripe } = await sandboxWith();
    const { customer } = await customerWithCard(stripe);
    const threeDs = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const offSession = await rejection(
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        customer: customer.id,
        payment_method: threeDs.id,
        confirm: true,
        off_session: true,
      }),
    );
    expect(offSession).toMatchObject({
      statusCode: 402,
      code: 'authentication_required',
      decline_code: 'authentication_required',
    });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const held = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method: visa.id,
      confirm: true,
      capture_method: 'manual',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(held).toMatchObject({ status: 'requires_capture', amount_capturable: 3000, amount_received: 0 });
    expect(await rejection(stripe.refunds.create({ payment_intent: held.id }))).toMatchObject({ statusCode: 400 });
    const captured = await stripe.paymentIntents.capture(held.id);
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
    const charge = sandbox.snapshot().charges.find((candidate) => candidate['id'] === captured.latest_charge);
    expect(charge).toMatchObject({ captured: true, amount_captured: 3000 });
  });
});

import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { DAY, idOf, manualClock, paidIntent, rejection, sdkFor, stateDir } from './sandbox-support';

/**
 * Stripe Connect in the sandbox, through the official SDK (no retries), as the teacher payouts use it (R40–R47):
 * facts §7 and "Connect: accounts, transfers, reversals"; idempotency as Stripe keeps it (R22, R28).
 */
describe('Stripe sandbox: Connect', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function sandboxWith(options: ConstructorParameters<typeof StripeSandbox>[0] = {}) {
    const sandbox = new StripeSandbox({ asyncTimers: false, ...options });
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    return sandbox;
  }
  function teacher(stripe: Stripe, email = 'teacher@example.test', teacherId = '7') {
    return stripe.accounts.create({
      type: 'express',
      country: 'US',
      email,
      capabilities: { transfers: { requested: true } },
      metadata: { teacherId },
    });
  }
  async function balanceOf(stripe: Stripe, currency = 'usd') {
    const balance = await stripe.balance.retrieve();
    return {
      available: balance.available.find((side) => side.currency === currency)?.amount ?? 0,
      pending: balance.pending.find((side) => side.currency === currency)?.amount ?? 0,
    };
  }
  /** Funds available at once: a charge on the bypass-pending test card. Returns the charge id. */
  async function fund(stripe: Stripe, amount: number, currency = 'usd') {
    const { intent } = await paidIntent(stripe, 'pm_card_bypassPending', amount, currency);
    return idOf(intent.latest_charge);
  }
  const group = (name: string) => ({ transfer_group: name });

  it('creates an express account ready for transfers; the capability control moves it and raises account.updated', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    expect(account.id).toMatch(/^acct_1[A-Za-z0-9]{15}$/);
    expect(account).toMatchObject({
      object: 'account',
      type: 'express',
      country: 'US',
      email: 'teacher@example.test',
      default_currency: 'usd',
      capabilities: { transfers: 'active' },
      payouts_enabled: true,
      details_submitted: true,
      // A transfers-only (recipient) account takes no charges.
      charges_enabled: false,
      metadata: { teacherId: '7' },
    });
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({
      id: account.id,
      capabilities: { transfers: 'active' },
    });
    const standard = await stripe.accounts.create({ type: 'standard', country: 'gb', email: 'shop@example.test' });
    expect(standard).toMatchObject({
      country: 'GB',
      default_currency: 'gbp',
      charges_enabled: true,
      capabilities: { card_payments: 'active', transfers: 'active' },
    });
    // An account the platform does not have: 403, as Stripe answers it.
    const unknown = await rejection(stripe.accounts.retrieve('acct_1Nope'));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(unknown).toMatchObject({ statusCode: 403, code: 'account_invalid' });
    expect(unknown.message).toContain("does not have access to account 'acct_1Nope' (or that account does not exist)");
    // A malformed request is a validation failure.
    const invalidType = await rejection(stripe.accounts.create({ type: 'partner' }));
    expect(invalidType).toMatchObject({ statusCode: 400, param: 'type' });

    sandbox.setTransfersCapability(account.id, 'inactive');
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({
      capabilities: { transfers: 'inactive' },
      payouts_enabled: false,
      requirements: { disabled_reason: 'requirements.past_due' },
    });
    const [updated] = (await stripe.events.list({ type: 'account.updated', limit: 1 })).data;
    expect(updated?.data.object).toMatchObject({ id: account.id, capabilities: { transfers: 'inactive' } });
    expect(updated?.data.previous_attributes).toMatchObject({
      capabilities: { transfers: 'active' },
      payouts_enabled: true,
    });
    expect(updated?.request).toEqual({ id: null, idempotency_key: null });
    sandbox.setTransfersCapability(account.id, 'pending');
    expect((await stripe.accounts.retrieve(account.id)).requirements?.disabled_reason).toBe(
      'requirements.pending_verification',
    );
    sandbox.setTransfersCapability(account.id, 'active');
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({
      capabilities: { transfers: 'active' },
      payouts_enabled: true,
      requirements: { disabled_reason: null, currently_due: [] },
    });
    expect(() => sandbox.setTransfersCapability('acct_1Nope', 'active')).toThrow(/no such account/);
    expect((await stripe.accounts.list({ limit: 10 })).data.map((listed) => listed.id)).toEqual([
      standard.id,
      account.id,
    ]);
  });

  it('makes onboarding links for an account; an unknown account is refused', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    const link = await stripe.accountLinks.create({
      account: account.id,
      refresh_url: 'https://ops.example.test/payouts/reauth',
      return_url: 'https://ops.example.test/payouts/return',
      type: 'account_onboarding',
    });
    expect(link).toMatchObject({ object: 'account_link' });
    expect(link.url).toMatch(new RegExp(`^https://stripe\\.sandbox\\.localhost/setup/e/${account.id}/`));
    expect(link.expires_at).toBe(link.created + 300);
    const second = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding' });
    expect(second.url).not.toBe(link.url); // single-use links: a new one each time
    const missing = await rejection(stripe.accountLinks.create({ account: 'acct_1Nope', type: 'account_onboarding' }));
    expect(missing).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'account' });
  });

  it('balance: a charge is pending for 2 days of the clock, bypassPending is available at once; per currency', async () => {
    const clock = manualClock();
    const sandbox = await sandboxWith({ clock });
    const stripe = sdkFor(sandbox);
    expect(await balanceOf(stripe)).toEqual({ available: 0, pending: 0 });
    await paidIntent(stripe, 'pm_card_visa', 5000);
    expect(await balanceOf(stripe)).toEqual({ available: 0, pending: 5000 });
    await fund(stripe, 3000);
    expect(await balanceOf(stripe)).toEqual({ available: 3000, pending: 5000 });
    await fund(stripe, 2000, 'eur');
    expect(await balanceOf(stripe, 'eur')).toEqual({ available: 2000, pending: 0 });
    clock.advance(2 * DAY - 1000);
    expect(await balanceOf(stripe)).toEqual({ available: 3000, pending: 5000 });
    clock.advance(1000);
    expect(await balanceOf(stripe)).toEqual({ available: 8000, pending: 0 });
    expect(sandbox.snapshot().balance).toMatchObject({ object: 'balance' });
  });

  it('a transfer needs AVAILABLE funds (else balance_insufficient, saved under its key) and lowers the balance', async () => {
    const clock = manualClock();
    const sandbox = await sandboxWith({ clock });
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    await paidIntent(stripe, 'pm_card_visa', 5000); // pending: does not count
    const params: Stripe.TransferCreateParams = {
      amount: 2000,
      currency: 'usd',
      destination: account.id,
      ...group('run-1'),
      description: 'Payout run 1',
      metadata: { payoutLineId: '11' },
    };
    const refused = await rejection(stripe.transfers.create(params, { idempotencyKey: 'line-11-attempt-1' }));
    expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    expect(refused.message).toContain('You have insufficient available funds in your Stripe account');
    expect(sandbox.snapshot().transfers).toHaveLength(0);
    // The refusal is that key's answer (R28): replayed, even once funds arrived.
    await fund(stripe, 3000);
    const replayed = await rejection(stripe.transfers.create(params, { idempotencyKey: 'line-11-attempt-1' }));
    expect(replayed.code).toBe('balance_insufficient');
    expect(replayed.headers?.['idempotent-replayed']).toBe('true');

    const transfer = await stripe.transfers.create(params, { idempotencyKey: 'line-11-attempt-2' });
    expect(transfer.id).toMatch(/^tr_/);
    expect(transfer.destination_payment).toMatch(/^py_/);
    expect(transfer).toMatchObject({
      object: 'transfer',
      amount: 2000,
      amount_reversed: 0,
      reversed: false,
      currency: 'usd',
      destination: account.id,
      transfer_group: 'run-1',
      description: 'Payout run 1',
      metadata: { payoutLineId: '11' },
      source_transaction: null,
      reversals: {
        object: 'list',
        data: [],
        has_more: false,
        total_count: 0,
        url: `/v1/transfers/${transfer.id}/reversals`,
      },
    });
    expect(await balanceOf(stripe)).toEqual({ available: 1000, pending: 5000 });
    expect(await stripe.balanceTransactions.retrieve(idOf(transfer.balance_transaction))).toMatchObject({
      type: 'transfer',
      amount: -2000,
      source: transfer.id,
      status: 'available',
    });
    const { lastResponse: _retrieved, ...retrieved } = await stripe.transfers.retrieve(transfer.id);
    const { lastResponse: _created, ...created } = transfer;
    expect(retrieved).toEqual(created);
    // One cent more than is available: refused; exactly what is available: fine.
    expect((await rejection(stripe.transfers.create({ ...params, amount: 1001 }))).code).toBe('balance_insufficient');
    await stripe.transfers.create({ ...params, amount: 1000 });
    expect(await balanceOf(stripe)).toEqual({ available: 0, pending: 5000 });

    const noSuchAccount = await rejection(stripe.transfers.create({ ...params, destination: 'acct_1Nope' }));
    expect(noSuchAccount).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'destination' });
    expect(await rejection(stripe.transfers.retrieve('tr_nope'))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    expect((await rejection(stripe.transfers.create({ ...params, currency: 'xyz' }))).param).toBe('currency');
  });

  it('source_transaction: a ch_ draws on that charge’s funds (pending or not, up to what remains); a pi_ is resource_missing', async () => {
    const clock = manualClock();
    const sandbox = await sandboxWith({ clock });
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    const { intent } = await paidIntent(stripe, 'pm_card_visa', 5000);
    const chargeId = idOf(intent.latest_charge);
    const base = { currency: 'usd', destination: account.id, ...group('run-2') };

    const drawn = await stripe.transfers.create({ ...base, amount: 4000, source_transaction: chargeId });
    expect(drawn.source_transaction).toBe(chargeId);
    // The transfer moves the charge's own funds: the pending balance, not the available one.
    expect(await balanceOf(stripe)).toEqual({ available: 0, pending: 1000 });
    expect(await stripe.balanceTransactions.retrieve(idOf(drawn.balance_transaction))).toMatchObject({
      type: 'transfer',
      amount: -4000,
      status: 'pending',
    });
    const over = await rejection(stripe.transfers.create({ ...base, amount: 1001, source_transaction: chargeId }));
    expect(over).toMatchObject({ statusCode: 400, param: 'amount' });
    // A refund leaves less of the charge to draw on.
    await stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    expect(
      await rejection(stripe.transfers.create({ ...base, amount: 501, source_transaction: chargeId })),
    ).toMatchObject({ statusCode: 400, param: 'amount' });
    await stripe.transfers.create({ ...base, amount: 500, source_transaction: chargeId });

    const wrongId = await rejection(stripe.transfers.create({ ...base, amount: 100, source_transaction: intent.id }));
    expect(wrongId).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(wrongId).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'source_transaction' });
    expect(wrongId.message).toBe(`No such charge: '${intent.id}'`);
    const { intent: euros } = await paidIntent(stripe, 'pm_card_visa', 3000, 'eur');
    expect(
      await rejection(stripe.transfers.create({ ...base, amount: 100, source_transaction: idOf(euros.latest_charge) })),
    ).toMatchObject({ statusCode: 400, param: 'currency' });

    // Two days later the charge's funds, and the transfers' draw on them, are all available.
    clock.advance(2 * DAY);
    expect(await balanceOf(stripe)).toEqual({ available: 5000 - 500 - 4000 - 500, pending: 0 });
  });

  it('refuses a transfer to an account whose transfers capability is not active', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    await fund(stripe, 5000);
    const params = { amount: 1000, currency: 'usd', destination: account.id, ...group('run-3') };
    for (const status of ['inactive', 'pending'] as const) {
      sandbox.setTransfersCapability(account.id, status);
      const refused = await rejection(stripe.transfers.create(params));
      expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(refused).toMatchObject({ statusCode: 400, code: 'insufficient_capabilities_for_transfer' });
      expect(refused.message).toBe(
        'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      );
    }
    expect(await balanceOf(stripe)).toEqual({ available: 5000, pending: 0 });
    const unrequested = await stripe.accounts.create({ type: 'express', email: 'no-caps@example.test' });
    expect((await rejection(stripe.transfers.create({ ...params, destination: unrequested.id }))).code).toBe(
      'insufficient_capabilities_for_transfer',
    );
    sandbox.setTransfersCapability(account.id, 'active');
    expect((await stripe.transfers.create(params)).amount).toBe(1000);
  });

  it('lists transfers by transfer_group and destination, newest first, with has_more and starting_after', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const ana = await teacher(stripe, 'ana@example.test', '1');
    const ben = await teacher(stripe, 'ben@example.test', '2');
    await fund(stripe, 10_000);
    const make = (destination: string, name: string) =>
      stripe.transfers.create({ amount: 100, currency: 'usd', destination, ...group(name) });
    const t1 = await make(ana.id, 'run-A');
    const t2 = await make(ben.id, 'run-A');
    const t3 = await make(ana.id, 'run-B');
    const t4 = await make(ana.id, 'run-A');
    const first = await stripe.transfers.list({ ...group('run-A'), limit: 2 });
    expect(first.data.map((transfer) => transfer.id)).toEqual([t4.id, t2.id]);
    expect(first.has_more).toBe(true);
    const next = await stripe.transfers.list({ ...group('run-A'), limit: 2, starting_after: t2.id });
    expect(next.data.map((transfer) => transfer.id)).toEqual([t1.id]);
    expect(next.has_more).toBe(false);
    const anas = await stripe.transfers.list({ ...group('run-A'), destination: ana.id });
    expect(anas.data.map((transfer) => transfer.id)).toEqual([t4.id, t1.id]);
    expect((await stripe.transfers.list({ destination: ana.id })).data.map((transfer) => transfer.id)).toEqual([
      t4.id,
      t3.id,
      t1.id,
    ]);
    const all: string[] = [];
    for await (const transfer of stripe.transfers.list({ ...group('run-A'), limit: 1 })) all.push(transfer.id);
    expect(all).toEqual([t4.id, t2.id, t1.id]);
    expect((await stripe.transfers.list({ ...group('run-none') })).data).toEqual([]);
  });

  it('reverses partly and then the rest; more than remains is refused; the balance goes back up; transfer.reversed', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    await fund(stripe, 10_000);
    const transfer = await stripe.transfers.create({
      amount: 3000,
      currency: 'usd',
      destination: account.id,
      ...group('run-R'),
    });
    expect(await balanceOf(stripe)).toEqual({ available: 7000, pending: 0 });

    const partial = await stripe.transfers.createReversal(
      transfer.id,
      { amount: 1000, metadata: { refundId: '5' } },
      { idempotencyKey: 'reversal-refund-5' },
    );
    expect(partial.id).toMatch(/^trr_/);
    expect(partial).toMatchObject({
      object: 'transfer_reversal',
      amount: 1000,
      currency: 'usd',
      transfer: transfer.id,
      metadata: { refundId: '5' },
    });
    expect(await balanceOf(stripe)).toEqual({ available: 8000, pending: 0 });
    expect(await stripe.balanceTransactions.retrieve(idOf(partial.balance_transaction))).toMatchObject({
      type: 'transfer_refund',
      amount: 1000,
    });
    const afterPartial = await stripe.transfers.retrieve(transfer.id);
    expect(afterPartial).toMatchObject({ amount_reversed: 1000, reversed: false });
    expect(afterPartial.reversals.data.map((reversal) => reversal.id)).toEqual([partial.id]);

    const over = await rejection(stripe.transfers.createReversal(transfer.id, { amount: 2001 }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over).toMatchObject({ statusCode: 400, param: 'amount' });
    expect(over.message).toContain('greater than unreversed amount on transfer ($20.00)');

    const rest = await stripe.transfers.createReversal(transfer.id); // no amount: what remains
    expect(rest.amount).toBe(2000);
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 3000, reversed: true });
    expect(await balanceOf(stripe)).toEqual({ available: 10_000, pending: 0 });
    const again = await rejection(stripe.transfers.createReversal(transfer.id, { amount: 1 }));
    expect(again).toMatchObject({ statusCode: 400 });
    expect(again.message).toBe(`The transfer ${transfer.id} is already fully reversed.`);

    const listed = await stripe.transfers.listReversals(transfer.id);
    expect(listed.data.map((reversal) => reversal.id)).toEqual([rest.id, partial.id]);
    expect((await stripe.transfers.retrieveReversal(transfer.id, partial.id)).amount).toBe(1000);
    expect(await rejection(stripe.transfers.retrieveReversal(transfer.id, 'trr_nope'))).toMatchObject({
      statusCode: 404,
    });
    expect(await rejection(stripe.transfers.createReversal('tr_nope'))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });

    // Stripe: transfer.reversed on every reversal; transfer.updated only for description/metadata changes.
    const reversedEvents = (await stripe.events.list({ type: 'transfer.reversed' })).data;
    expect(reversedEvents.map((event) => (event.data.object as Stripe.Transfer).amount_reversed)).toEqual([3000, 1000]);
    expect(reversedEvents[1]?.request?.idempotency_key).toBe('reversal-refund-5');
    expect((await stripe.events.list({ type: 'transfer.updated' })).data).toHaveLength(0);
    const updated = await stripe.transfers.update(transfer.id, { metadata: { note: 'refund 5 recovered' } });
    expect(updated.metadata).toEqual({ note: 'refund 5 recovered' });
    const [updatedEvent] = (await stripe.events.list({ type: 'transfer.updated' })).data;
    expect(updatedEvent?.data.object).toMatchObject({ id: transfer.id, metadata: { note: 'refund 5 recovered' } });
    expect(updatedEvent?.data.previous_attributes).toEqual({ metadata: {} });
  });

  it('refuses a reversal the connected account’s balance no longer covers (it paid out)', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    await fund(stripe, 10_000);
    const paid = await stripe.transfers.create({ amount: 2000, currency: 'usd', destination: account.id });
    expect(sandbox.payOutConnectedBalance(account.id)).toEqual({ usd: 2000 });
    const refused = await rejection(stripe.transfers.createReversal(paid.id, { amount: 500 }));
    expect(refused).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    // New money in covers a reversal again, up to what came in.
    await stripe.transfers.create({ amount: 300, currency: 'usd', destination: account.id });
    expect((await stripe.transfers.createReversal(paid.id, { amount: 300 })).amount).toBe(300);
    expect((await rejection(stripe.transfers.createReversal(paid.id, { amount: 1 }))).code).toBe(
      'balance_insufficient',
    );
  });

  it('raises transfer.created naming the request and its idempotency key', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    await fund(stripe, 5000);
    const transfer = await stripe.transfers.create(
      { amount: 1500, currency: 'usd', destination: account.id, ...group('run-E'), metadata: { payoutLineId: '3' } },
      { idempotencyKey: 'payout-line-3' },
    );
    const [created] = (await stripe.events.list({ type: 'transfer.*' })).data;
    expect(created).toMatchObject({
      type: 'transfer.created',
      request: { id: transfer.lastResponse.requestId, idempotency_key: 'payout-line-3' },
      data: { object: { id: transfer.id, object: 'transfer', amount: 1500, metadata: { payoutLineId: '3' } } },
    });
  });

  it('idempotency: a transfer POST replays its answer; a 500 fault is saved under its key; reversals likewise', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox);
    const account = await teacher(stripe);
    await fund(stripe, 5000);
    const params = { amount: 1500, currency: 'usd', destination: account.id, ...group('run-I') };
    const first = await stripe.transfers.create(params, { idempotencyKey: 'payout-line-1' });
    const replay = await stripe.transfers.create(params, { idempotencyKey: 'payout-line-1' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(sandbox.snapshot().transfers).toHaveLength(1);
    expect(await balanceOf(stripe)).toEqual({ available: 3500, pending: 0 });
    const reused = await rejection(
      stripe.transfers.create({ ...params, amount: 1600 }, { idempotencyKey: 'payout-line-1' }),
    );
    expect(reused).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);

    sandbox.faults.failNext(1, { kind: 'status', status: 500 });
    const failed = await rejection(stripe.transfers.create(params, { idempotencyKey: 'payout-line-2' }));
    expect(failed).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(failed.statusCode).toBe(500);
    const failedAgain = await rejection(stripe.transfers.create(params, { idempotencyKey: 'payout-line-2' }));
    expect(failedAgain.statusCode).toBe(500);
    expect(failedAgain.headers?.['idempotent-replayed']).toBe('true');
    expect(sandbox.snapshot().transfers).toHaveLength(1);
    expect(await balanceOf(stripe)).toEqual({ available: 3500, pending: 0 });
    const fresh = await stripe.transfers.create(params, { idempotencyKey: 'payout-line-2-attempt-2' });
    expect(fresh.id).not.toBe(first.id);

    const reversal = await stripe.transfers.createReversal(first.id, { amount: 500 }, { idempotencyKey: 'rev-9' });
    const reversalReplay = await stripe.transfers.createReversal(
      first.id,
      { amount: 500 },
      { idempotencyKey: 'rev-9' },
    );
    expect(reversalReplay.id).toBe(reversal.id);
    expect((await stripe.transfers.retrieve(first.id)).amount_reversed).toBe(500);
  });

  it('a lost answer (timeout-after): the transfer exists, is found by listing its group, and the same key replays it', async () => {
    const sandbox = await sandboxWith();
    const stripe = sdkFor(sandbox, { timeoutMs: 400 });
    const account = await teacher(stripe);
    await fund(stripe, 5000);
    const params = {
      amount: 2500,
      currency: 'usd',
      destination: account.id,
      ...group('payout-run-8'),
      metadata: { payoutLineId: '21' },
    };
    sandbox.faults.failNext(1, { kind: 'timeout-after' });
    const lost = await rejection(stripe.transfers.create(params, { idempotencyKey: 'payout-line-21' }));
    expect(lost).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // R28: look the object up before any retry.
    const found = await stripe.transfers.list({ ...group('payout-run-8') });
    expect(found.data).toHaveLength(1);
    expect(found.data[0]).toMatchObject({ amount: 2500, metadata: { payoutLineId: '21' }, destination: account.id });
    const retried = await stripe.transfers.create(params, { idempotencyKey: 'payout-line-21' });
    expect(retried.id).toBe(found.data[0]?.id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await balanceOf(stripe)).toEqual({ available: 2500, pending: 0 });
  });

  it('a restart over the same folder keeps accounts, capabilities, transfers, reversals, the balance and saved answers', async () => {
    const clock = manualClock();
    const folder = stateDir('connect');
    cleanups.push(folder.remove);
    const first = new StripeSandbox({ clock, stateDir: folder.dir, asyncTimers: false });
    await first.start();
    const stripe = sdkFor(first);
    const ana = await teacher(stripe, 'ana@example.test', '1');
    const ben = await teacher(stripe, 'ben@example.test', '2');
    first.setTransfersCapability(ben.id, 'inactive');
    await fund(stripe, 6000);
    await paidIntent(stripe, 'pm_card_visa', 4000); // pending for 2 days
    const params = { amount: 2500, currency: 'usd', destination: ana.id, ...group('run-P'), metadata: { line: '31' } };
    const transfer = await stripe.transfers.create(params, { idempotencyKey: 'line-31' });
    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 500 }, { idempotencyKey: 'rev-31' });
    const balanceBefore = await balanceOf(stripe);
    expect(balanceBefore).toEqual({ available: 4000, pending: 4000 });
    await first.stop();

    const second = new StripeSandbox({ clock, stateDir: folder.dir, asyncTimers: false });
    await second.start();
    await second.stop();
    await second.start(); // and once more, after a compaction
    cleanups.push(() => second.stop());
    const again = sdkFor(second);
    expect(await again.accounts.retrieve(ana.id)).toMatchObject({
      email: 'ana@example.test',
      metadata: { teacherId: '1' },
    });
    expect(await again.accounts.retrieve(ben.id)).toMatchObject({ capabilities: { transfers: 'inactive' } });
    const kept = await again.transfers.retrieve(transfer.id);
    expect(kept).toMatchObject({ amount: 2500, amount_reversed: 500, reversed: false, metadata: { line: '31' } });
    expect(kept.reversals.data.map((listed) => listed.id)).toEqual([reversal.id]);
    expect((await again.transfers.list({ ...group('run-P') })).data.map((listed) => listed.id)).toEqual([transfer.id]);
    expect((await again.transfers.listReversals(transfer.id)).data.map((listed) => listed.id)).toEqual([reversal.id]);
    expect(await balanceOf(again)).toEqual(balanceBefore);
    const replay = await again.transfers.create(params, { idempotencyKey: 'line-31' });
    expect(replay.id).toBe(transfer.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await rejection(again.transfers.create({ ...params, destination: ben.id }))).code).toBe(
      'insufficient_capabilities_for_transfer',
    );
    clock.advance(2 * DAY);
    expect(await balanceOf(again)).toEqual({ available: 8000, pending: 0 });
    // The reversal still counts against what remains.
    expect((await again.transfers.createReversal(transfer.id)).amount).toBe(2000);
  });
});

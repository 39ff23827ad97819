import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { StripePaymentGateway } from '../../src/main/integrations/stripe';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { GatewayNoAnswer, GatewayRefused } from '../../src/main/services/gateways';
import { idOf, paidIntent, sdkFor } from './sandbox-support';

/**
 * The adapter's Connect methods (teacher payouts, R40–R47) against the sandbox: what Stripe answers, in the
 * services' types; errors as GatewayRefused (an answer came back: final for its key) or GatewayNoAnswer (none did:
 * look up, then the same key), R22, R28.
 */
describe('StripePaymentGateway: Connect', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const WEBHOOK_SECRET = 'whsec_connect_gateway_test';

  async function setup(timeoutMs = 3000) {
    const sandbox = new StripeSandbox({ asyncTimers: false });
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    // Reads may retry (2, as the console sets it); money-moving calls must not.
    const gateway = new StripePaymentGateway({
      secretKey: sandbox.apiKey,
      webhookSecret: WEBHOOK_SECRET,
      baseUrl: sandbox.url,
      timeoutMs,
      maxNetworkRetries: 2,
    });
    return { sandbox, gateway, stripe: sdkFor(sandbox) };
  }
  async function refusal(promise: Promise<unknown>): Promise<GatewayRefused> {
    const error = await promise.then(
      () => new Error('expected a refusal'),
      (thrown: unknown) => thrown,
    );
    if (error instanceof GatewayRefused) return error;
    throw error;
  }
  const postsTo = (sandbox: StripeSandbox, path: string, key: string) =>
    sandbox.requests.filter(
      (request) => request.method === 'POST' && request.path === path && request.idempotencyKey === key,
    ).length;
  /** Available funds in the platform balance (a charge on the bypass-pending card). */
  const fund = async (stripe: Stripe, amount: number) => {
    const { intent } = await paidIntent(stripe, 'pm_card_bypassPending', amount);
    return idOf(intent.latest_charge);
  };

  it('creates a teacher’s express account (idempotently), reads it back, follows its capability, links onboarding', async () => {
    const { sandbox, gateway } = await setup();
    const account = await gateway.createConnectedAccount(
      { email: 'ana@example.test', teacherId: 42 },
      'teacher-42-account',
    );
    expect(account).toEqual({
      id: expect.stringMatching(/^acct_/) as unknown,
      payoutsEnabled: true,
      transfersActive: true,
      detailsSubmitted: true,
    });
    const again = await gateway.createConnectedAccount(
      { email: 'ana@example.test', teacherId: 42 },
      'teacher-42-account',
    );
    expect(again.id).toBe(account.id);
    expect(sandbox.snapshot().accounts).toHaveLength(1);
    expect(sandbox.snapshot().accounts[0]).toMatchObject({
      type: 'express',
      country: 'US',
      email: 'ana@example.test',
      metadata: { teacherId: '42' },
      capabilities: { transfers: 'active' },
    });
    const british = await gateway.createConnectedAccount(
      { email: 'ben@example.test', teacherId: 43, country: 'GB' },
      'teacher-43-account',
    );
    expect(sandbox.snapshot().accounts.find((listed) => listed['id'] === british.id)).toMatchObject({
      country: 'GB',
      default_currency: 'gbp',
    });

    expect(await gateway.retrieveConnectedAccount(account.id)).toEqual(account);
    sandbox.setTransfersCapability(account.id, 'inactive');
    expect(await gateway.retrieveConnectedAccount(account.id)).toMatchObject({
      transfersActive: false,
      payoutsEnabled: false,
    });
    const unknown = await refusal(gateway.retrieveConnectedAccount('acct_1Nope'));
    expect(unknown).toMatchObject({ status: 403, code: 'account_invalid' });

    const link = await gateway.createOnboardingLink(
      account.id,
      'https://ops.example.test/payouts/return',
      'https://ops.example.test/payouts/refresh',
    );
    expect(link.url).toContain(account.id);
    expect(link.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect(
      await refusal(gateway.createOnboardingLink('acct_1Nope', 'https://a.test/r', 'https://a.test/f')),
    ).toMatchObject({ status: 400, code: 'resource_missing' });
  });

  it('reads the balance by upper-case currency, available and pending', async () => {
    const { gateway, stripe } = await setup();
    expect(await gateway.retrieveBalance()).toEqual({ available: { USD: 0 }, pending: { USD: 0 } });
    await paidIntent(stripe, 'pm_card_visa', 5000);
    await fund(stripe, 3000);
    await paidIntent(stripe, 'pm_card_bypassPending', 2000, 'eur');
    expect(await gateway.retrieveBalance()).toEqual({
      available: { USD: 3000, EUR: 2000 },
      pending: { USD: 5000, EUR: 0 },
    });
  });

  it('creates transfers; refusals come back as GatewayRefused with Stripe’s code (balance_insufficient, capability)', async () => {
    const { sandbox, gateway, stripe } = await setup();
    const account = await gateway.createConnectedAccount({ email: 'ana@example.test', teacherId: 1 }, 'acct-1');
    const input = {
      amountMinor: 2000,
      currency: 'USD',
      destination: account.id,
      transferGroup: 'payout-run-1',
      metadata: { payoutRunId: '1', payoutLineId: '11' },
    };
    const insufficient = await refusal(gateway.createTransfer(input, 'payout-line-11-a1'));
    expect(insufficient).toMatchObject({ code: 'balance_insufficient', status: 400 });
    expect(insufficient.message).toContain('insufficient available funds');
    expect(postsTo(sandbox, '/v1/transfers', 'payout-line-11-a1')).toBe(1);

    await fund(stripe, 5000);
    const transfer = await gateway.createTransfer(input, 'payout-line-11-a2');
    expect(transfer).toEqual({
      id: expect.stringMatching(/^tr_/) as unknown,
      amountMinor: 2000,
      currency: 'USD',
      destination: account.id,
      transferGroup: 'payout-run-1',
      amountReversedMinor: 0,
      reversed: false,
      metadata: { payoutRunId: '1', payoutLineId: '11' },
      created: expect.any(Number) as unknown,
    });
    expect(await gateway.retrieveTransfer(transfer.id)).toEqual(transfer);
    expect(await gateway.retrieveBalance()).toMatchObject({ available: { USD: 3000 } });
    expect(await refusal(gateway.retrieveTransfer('tr_nope'))).toMatchObject({ status: 404, code: 'resource_missing' });

    sandbox.setTransfersCapability(account.id, 'inactive');
    expect(await refusal(gateway.createTransfer({ ...input, amountMinor: 100 }, 'payout-line-12'))).toMatchObject({
      code: 'insufficient_capabilities_for_transfer',
      status: 400,
    });
    sandbox.setTransfersCapability(account.id, 'active');

    // With a source_transaction the transfer draws on a charge whose funds are still pending.
    const { intent } = await paidIntent(stripe, 'pm_card_visa', 4000);
    const drawn = await gateway.createTransfer(
      { ...input, amountMinor: 4000, sourceTransaction: idOf(intent.latest_charge) },
      'payout-line-13',
    );
    expect(drawn.amountMinor).toBe(4000);
    expect(
      await refusal(
        gateway.createTransfer({ ...input, amountMinor: 100, sourceTransaction: intent.id }, 'payout-line-14'),
      ),
    ).toMatchObject({ code: 'resource_missing', status: 400 });
  });

  it('a lost answer is GatewayNoAnswer (no retry here); the transfer is found by its group and the same key adopts it', async () => {
    const { sandbox, gateway, stripe } = await setup(500);
    const account = await gateway.createConnectedAccount({ email: 'ana@example.test', teacherId: 1 }, 'acct-1');
    await fund(stripe, 5000);
    const input = {
      amountMinor: 2500,
      currency: 'USD',
      destination: account.id,
      transferGroup: 'payout-run-8',
      metadata: { payoutLineId: '21' },
    };
    sandbox.faults.failNext(1, { kind: 'timeout-after' });
    const lost = await gateway.createTransfer(input, 'payout-line-21').then(
      () => null,
      (error: unknown) => error,
    );
    expect(lost).toBeInstanceOf(GatewayNoAnswer);
    expect(postsTo(sandbox, '/v1/transfers', 'payout-line-21')).toBe(1); // never retried blindly
    const found = await gateway.findTransfers({ transferGroup: 'payout-run-8' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ amountMinor: 2500, metadata: { payoutLineId: '21' }, destination: account.id });
    const adopted = await gateway.createTransfer(input, 'payout-line-21');
    expect(adopted.id).toBe(found[0]?.id);
    expect(sandbox.snapshot().transfers).toHaveLength(1);

    sandbox.faults.failNext(1, { kind: 'timeout-before' });
    expect(
      await gateway
        .createTransferReversal({ transferId: adopted.id, amountMinor: 100, metadata: {} }, 'reversal-1')
        .then(
          () => null,
          (error: unknown) => error,
        ),
    ).toBeInstanceOf(GatewayNoAnswer);
    expect(await gateway.listTransferReversals(adopted.id)).toEqual([]);
  });

  it('a 500 is an answer: GatewayRefused with status 500, final for its key (replayed), nothing moved', async () => {
    const { sandbox, gateway, stripe } = await setup();
    const account = await gateway.createConnectedAccount({ email: 'ana@example.test', teacherId: 1 }, 'acct-1');
    await fund(stripe, 5000);
    const input = { amountMinor: 1000, currency: 'USD', destination: account.id, transferGroup: 'run-5', metadata: {} };
    sandbox.faults.failNext(1, { kind: 'status', status: 500 });
    const failed = await refusal(gateway.createTransfer(input, 'payout-line-5'));
    expect(failed).toMatchObject({ status: 500, code: null });
    expect(postsTo(sandbox, '/v1/transfers', 'payout-line-5')).toBe(1); // the SDK would retry a 500: not here
    expect(await refusal(gateway.createTransfer(input, 'payout-line-5'))).toMatchObject({ status: 500 });
    expect(await gateway.findTransfers({ transferGroup: 'run-5' })).toEqual([]);
    expect((await gateway.createTransfer(input, 'payout-line-5-attempt-2')).amountMinor).toBe(1000);
  });

  it('findTransfers walks every page, by group and by destination', async () => {
    const { gateway, stripe } = await setup();
    const ana = await gateway.createConnectedAccount({ email: 'ana@example.test', teacherId: 1 }, 'acct-1');
    const ben = await gateway.createConnectedAccount({ email: 'ben@example.test', teacherId: 2 }, 'acct-2');
    await fund(stripe, 1000);
    const made: string[] = [];
    for (let index = 0; index < 105; index += 1) {
      const destination = index % 5 === 0 ? ben.id : ana.id;
      made.push(
        (await stripe.transfers.create({ amount: 1, currency: 'usd', destination, transfer_group: 'run-big' })).id,
      );
    }
    await stripe.transfers.create({ amount: 1, currency: 'usd', destination: ana.id, transfer_group: 'run-other' });
    const all = await gateway.findTransfers({ transferGroup: 'run-big' });
    expect(all.map((transfer) => transfer.id)).toEqual([...made].reverse());
    expect(await gateway.findTransfers({ transferGroup: 'run-big', destination: ben.id })).toHaveLength(21);
    expect(await gateway.findTransfers({ destination: ana.id })).toHaveLength(85);
  });

  it('reverses transfers partly; lists the reversals; over the rest, or over what the teacher still holds, is refused', async () => {
    const { sandbox, gateway, stripe } = await setup();
    const account = await gateway.createConnectedAccount({ email: 'ana@example.test', teacherId: 1 }, 'acct-1');
    await fund(stripe, 10_000);
    const transfer = await gateway.createTransfer(
      { amountMinor: 3000, currency: 'USD', destination: account.id, transferGroup: 'run-R', metadata: {} },
      'payout-line-31',
    );
    const first = await gateway.createTransferReversal(
      { transferId: transfer.id, amountMinor: 1000, metadata: { refundId: '5' } },
      'refund-5-reversal',
    );
    expect(first).toEqual({
      id: expect.stringMatching(/^trr_/) as unknown,
      transferId: transfer.id,
      amountMinor: 1000,
      metadata: { refundId: '5' },
    });
    const replay = await gateway.createTransferReversal(
      { transferId: transfer.id, amountMinor: 1000, metadata: { refundId: '5' } },
      'refund-5-reversal',
    );
    expect(replay).toEqual(first);
    expect(await gateway.retrieveTransfer(transfer.id)).toMatchObject({ amountReversedMinor: 1000, reversed: false });
    expect(await gateway.retrieveBalance()).toMatchObject({ available: { USD: 8000 } });

    const over = await refusal(
      gateway.createTransferReversal({ transferId: transfer.id, amountMinor: 2001, metadata: {} }, 'refund-6-reversal'),
    );
    expect(over).toMatchObject({ status: 400, code: null });
    const second = await gateway.createTransferReversal(
      { transferId: transfer.id, amountMinor: 500, metadata: { refundId: '7' } },
      'refund-7-reversal',
    );
    expect((await gateway.listTransferReversals(transfer.id)).map((reversal) => reversal.id)).toEqual([
      second.id,
      first.id,
    ]);

    sandbox.payOutConnectedBalance(account.id);
    expect(
      await refusal(
        gateway.createTransferReversal(
          { transferId: transfer.id, amountMinor: 100, metadata: {} },
          'refund-8-reversal',
        ),
      ),
    ).toMatchObject({ status: 400, code: 'balance_insufficient' });
  });

  it('maps transfer events (polled and by webhook) with objectType transfer', async () => {
    const { gateway, stripe } = await setup();
    const account = await gateway.createConnectedAccount({ email: 'ana@example.test', teacherId: 1 }, 'acct-1');
    await fund(stripe, 5000);
    const before = (await gateway.eventsAfter(null)).at(-1)?.id ?? null;
    const transfer = await gateway.createTransfer(
      { amountMinor: 1200, currency: 'USD', destination: account.id, transferGroup: 'run-W', metadata: {} },
      'payout-line-41',
    );
    await gateway.createTransferReversal({ transferId: transfer.id, amountMinor: 200, metadata: {} }, 'reversal-41');
    const events = await gateway.eventsAfter(before);
    expect(events.map((event) => [event.type, event.objectType, event.objectId, event.paymentIntentId])).toEqual([
      ['transfer.created', 'transfer', transfer.id, null],
      ['transfer.reversed', 'transfer', transfer.id, null],
    ]);
    const [created] = (await stripe.events.list({ type: 'transfer.created', limit: 1 })).data;
    const payload = JSON.stringify(created);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    expect(gateway.verifyWebhook(payload, header)).toMatchObject({
      type: 'transfer.created',
      objectType: 'transfer',
      objectId: transfer.id,
      paymentIntentId: null,
    });
  });
});

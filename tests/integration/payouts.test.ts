import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import type { Actor } from '../../src/main/domain/actors';
import { DAY_MS, fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import { quoteSession } from '../../src/main/domain/pricing';
import type { DomainError } from '../../src/main/domain/errors';
import { pollStripeEvents } from '../../src/main/jobs';
import { silentLogger } from '../../src/main/log';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { transferGroupOf } from '../../src/main/services/payouts/keys';
import { buildScenario } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';
import { sdkFor } from './sandbox-support';

const START = new Date('2026-12-01T09:00:00Z');

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

type Staff = Actor & { kind: 'STAFF' };

/**
 * R40–R47 end to end against the local Stripe (Connect included): runs from preview to sent,
 * four eyes, a session never paid twice, failures retried, lost answers adopted by metadata,
 * refunds after payout reversed (or netted when the reversal is refused), held lines carried
 * forward — with R46 checked after every step that moved money.
 */
describe.each(DB_KINDS)('teacher payouts and the ledger, on %s', (kind) => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  const zoom = new ZoomSandbox();
  const smtp = new SmtpSandbox();
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    database = await openTestContainer(kind, clock, {
      integrations: { sandboxes: { stripe, zoom, smtp }, stripeTimeoutMs: 400, stripeRetries: 0 },
    });
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
  });

  const services = () => container.services;

  async function ledgerHolds(): Promise<void> {
    const check = await services().ledger.check.now();
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
  }

  type World = Awaited<ReturnType<typeof people>>;
  type Session = { id: number; paymentId: number; totalMinor: number; baseMinor: number };

  /** Finance staff (fay creates, finn approves), support, two teachers with USD gigs (ana $30/h,
   * ben $40/h) and a student. */
  async function people() {
    clock.advance(10 * DAY_MS);
    return buildScenario(container, {
      staff: { fay: 'FINANCE', finn: 'FINANCE', sue: 'SUPPORT' },
      teachers: { ana: { gigs: { es: { rate: 3000 } } }, ben: { gigs: { fr: { rate: 4000 } } } },
      students: { bob: {} },
    });
  }

  /** Sessions booked, paid with a Visa and completed, then the payout hold passes so all are payable. */
  async function sessions(s: World, count: Partial<Record<'ana' | 'ben', number>>) {
    const made: Record<'ana' | 'ben', Session[]> = { ana: [], ben: [] };
    let slot = 0;
    for (const teacher of ['ana', 'ben'] as const) {
      const gig = teacher === 'ana' ? s.teachers.ana.gigs.es : s.teachers.ben.gigs.fr;
      for (let n = 0; n < (count[teacher] ?? 0); n += 1) {
        slot += 1;
        const booking = await services().bookings.create(s.admin, {
          studentId: s.students.bob.id,
          gigId: gig.id,
          startsAt: new Date(clock.now().getTime() + (2 + slot * 2) * HOUR_MS),
          minutes: 60,
        });
        await services().bookings.confirm(s.admin, { id: booking.id });
        const method = await services().payments.attachMethod(s.admin, {
          studentId: s.students.bob.id,
          paymentMethodId: 'pm_card_visa',
        });
        const intent = await services().payments.createIntent(s.admin, {
          bookingId: booking.id,
          paymentMethodId: method.paymentMethodId,
        });
        await services().payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
        made[teacher].push({
          id: booking.id,
          paymentId: intent.paymentId,
          totalMinor: booking.totalMinor,
          baseMinor: booking.baseMinor,
        });
      }
    }
    clock.advance((4 + slot * 2) * HOUR_MS);
    for (const list of Object.values(made))
      for (const booking of list) await services().bookings.complete(s.admin, { id: booking.id });
    // R42: the payout hold (3 days by default) passes.
    clock.advance(3 * DAY_MS + HOUR_MS);
    await ledgerHolds();
    return made;
  }

  async function world(options: { sessions: Record<'ana' | 'ben', number>; connect?: ('ana' | 'ben')[] }) {
    const s = await people();
    for (const teacher of options.connect ?? ['ana', 'ben'])
      await services().teachers.connect(s.staff.fay, { teacherId: s.teachers[teacher].id });
    return { s, bookings: await sessions(s, options.sessions) };
  }

  const payable = async (s: World, teacher: 'ana' | 'ben') =>
    (await services().ledger.balances(s.staff.fay, { currency: 'USD' })).accounts.find(
      (row) => row.account === `teacher_payable:${s.teachers[teacher].id}`,
    )?.naturalMinor ?? 0;

  const mine = <T extends { teacherId: number }>(lines: T[], s: { teachers: Record<string, { id: number }> }) =>
    lines.filter((line) => Object.values(s.teachers).some((teacher) => teacher.id === line.teacherId));

  async function approvedRun(s: { staff: { fay: Staff; finn: Staff } }) {
    const run = await services().payouts.createRun(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    return services().payouts.approve(s.staff.finn, { id: run.id });
  }

  const transfersOf = (runId: number) =>
    stripe.snapshot().transfers.filter((transfer) => transfer['transfer_group'] === transferGroupOf(runId));

  /**
   * `count` new teachers, each with one completed, paid one-hour USD session past the payout hold,
   * written in bulk as the benchmark writes them (the ledger from the migration's own back-fill, R40),
   * each connected at the local Stripe, and the platform's balance there funded to pay them all.
   */
  async function manyTeachers(s: World, count: number): Promise<number[]> {
    const quote = quoteSession({ currency: 'USD', hourlyRateMinor: 3000, minutes: 60 });
    const now = clock.now().toISOString();
    const tag = `bulk-${clock.now().getTime()}`;
    const ids = await container.db.nativeTransaction(async (query) => {
      const teachers = await query<{ id: number }>(
        `INSERT INTO "Teacher" (email, name, timezone, "createdAt")
         SELECT $1 || '-' || g || '@payouts.test', 'Bulk teacher ' || g, 'UTC', $2::timestamp(3)
         FROM generate_series(1, $3::int) AS g RETURNING id`,
        [tag, now, count],
      );
      const teacherIds = teachers.map((row) => row.id);
      await query(
        `WITH gigs AS (
           INSERT INTO "Gig" ("teacherId", title, language, "hourlyRateMinor", currency, active, "createdAt")
           SELECT id, 'Conversation', 'Spanish', $2, 'USD', true, $3::timestamp(3) FROM unnest($1::int[]) AS t(id)
           RETURNING id, "teacherId"
         )
         INSERT INTO "Booking" ("studentId", "teacherId", "gigId", "startsAt", "endsAt", minutes, status,
           "paymentStatus", queue, currency, "hourlyRateMinor", "baseMinor", "feeMinor", "totalMinor", "teacherMinor",
           "platformMinor", "feeRateBps", "minimumFeeMinor", version, "createdAt", "updatedAt")
         SELECT $4, g."teacherId", g.id, $3::timestamp(3) - interval '4 days 1 hour' - g.id * interval '1 minute',
           $3::timestamp(3) - interval '4 days' - g.id * interval '1 minute', 60, 'COMPLETED', 'PAID', 'COMPLETED',
           'USD', $2, $5, $6, $7, $5, $6, $8, $9, 4, $3::timestamp(3) - interval '8 days', $3::timestamp(3)
         FROM gigs g`,
        [
          teacherIds,
          quote.hourlyRateMinor,
          now,
          s.students.bob.id,
          quote.baseMinor,
          quote.feeMinor,
          quote.totalMinor,
          quote.feeRateBps,
          quote.minimumFeeMinor,
        ],
      );
      await query(
        `INSERT INTO "Payment" ("bookingId", "amountMinor", currency, status, "refundedMinor", "idempotencyKey",
           "stripeStatus", "paidAt", version, "createdAt", "updatedAt")
         SELECT b.id, b."totalMinor", b.currency, 'PAID', 0, $2 || ':booking:' || b.id, 'succeeded',
           b."startsAt" - interval '7 days', 2, b."startsAt" - interval '7 days', b."startsAt" - interval '7 days'
         FROM "Booking" b WHERE b."teacherId" = ANY($1::int[])`,
        [teacherIds, tag],
      );
      await query('SELECT "ledger_backfill"()');
      return teacherIds;
    });
    for (const teacherId of ids) await services().teachers.connect(s.staff.fay, { teacherId });
    // The sessions were paid outside the local Stripe: fund its balance (available at once) to pay them.
    const sdk = sdkFor(stripe);
    const customer = await sdk.customers.create({ email: `${tag}@payouts.test`, name: 'Funding' });
    const method = await sdk.paymentMethods.attach('pm_card_bypassPending', { customer: customer.id });
    await sdk.paymentIntents.create({
      amount: count * quote.baseMinor,
      currency: 'usd',
      customer: customer.id,
      payment_method: method.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    await ledgerHolds();
    return ids;
  }

  const namingLine = (runId: number, lineId: number) =>
    transfersOf(runId).filter(
      (transfer) => (transfer['metadata'] as Record<string, string>)['payoutLineId'] === String(lineId),
    );
  const transferPosts = (lineId: number, attempt = 1) =>
    stripe.requests.filter(
      (request) =>
        request.method === 'POST' &&
        request.path === '/v1/transfers' &&
        request.idempotencyKey === `payout-line:${lineId}:transfer:${attempt}`,
    ).length;

  it('preview → draft → approved by someone else → sent: one transfer per teacher, keyed and named by the line; the ledger and statements follow', async () => {
    const { s, bookings } = await world({ sessions: { ana: 2, ben: 1 } });
    const preview = await services().payouts.preview(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    const anaShare = bookings.ana.reduce((sum, b) => sum + b.baseMinor, 0);
    expect(mine(preview.lines, s)).toEqual([
      expect.objectContaining({
        teacherId: s.teachers.ana.id,
        sessionsMinor: anaShare,
        netMinor: anaShare,
        state: 'READY',
      }),
      expect.objectContaining({ teacherId: s.teachers.ben.id, sessionsMinor: 4000, netMinor: 4000, state: 'READY' }),
    ]);

    const draft = await services().payouts.createRun(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    expect(draft).toMatchObject({ status: 'DRAFT', createdBy: { id: s.staff.fay.id, name: 'fay' }, approvedBy: null });
    expect(mine(draft.lines, s).map((line) => [line.teacherId, line.netMinor, line.state])).toEqual([
      [s.teachers.ana.id, anaShare, 'READY'],
      [s.teachers.ben.id, 4000, 'READY'],
    ]);
    // R43: four eyes — the creator cannot approve, and a draft cannot be sent.
    expect((await refusal(services().payouts.approve(s.staff.fay, { id: draft.id }))).code).toBe('FORBIDDEN');
    expect((await refusal(services().payouts.send(s.staff.fay, { id: draft.id }))).code).toBe('ILLEGAL_TRANSITION');
    // Support reads nothing of this (and never acts).
    expect((await refusal(services().payouts.get(s.staff.sue, { id: draft.id }))).code).toBe('FORBIDDEN');
    expect(
      (await refusal(services().payouts.preview(s.staff.sue, { currency: 'USD', cutoff: clock.now() }))).code,
    ).toBe('FORBIDDEN');

    const approved = await services().payouts.approve(s.staff.finn, { id: draft.id });
    expect(approved).toMatchObject({ status: 'APPROVED', approvedBy: { id: s.staff.finn.id } });
    // An approved run can no longer change (R43).
    expect((await refusal(services().payouts.discard(s.staff.fay, { id: draft.id, reason: 'oops' }))).code).toBe(
      'ILLEGAL_TRANSITION',
    );

    const sent = await services().payouts.send(s.staff.fay, { id: draft.id });
    expect(sent.status).toBe('SENT');
    const lines = mine(sent.lines, s);
    expect(lines.every((line) => line.state === 'SENT' && line.transferIds.length === 1)).toBe(true);
    const atStripe = transfersOf(draft.id);
    expect(atStripe).toHaveLength(sent.lines.filter((line) => line.state === 'SENT').length);
    for (const line of lines) {
      const transfer = atStripe.find((candidate) => candidate['id'] === line.stripeTransferId);
      expect(transfer).toMatchObject({
        amount: line.netMinor,
        currency: 'usd',
        metadata: { payoutLineId: String(line.id), payoutRunId: String(draft.id) },
      });
      expect(
        stripe.requests.some(
          (request) =>
            request.path === '/v1/transfers' &&
            request.method === 'POST' &&
            request.idempotencyKey === `payout-line:${line.id}:transfer:1`,
        ),
      ).toBe(true);
    }
    await ledgerHolds();
    const balances = await services().ledger.balances(s.staff.fay, { currency: 'USD' });
    expect(balances.sumMinor).toBe(0);
    expect(
      balances.accounts.find((row) => row.account === `teacher_payable:${s.teachers.ana.id}`)?.balanceMinor ?? 0,
    ).toBe(0);

    // R47: Ana's statement for the period: the two sessions earned, one payout, closing at zero.
    const statement = await services().statements.get(s.staff.fay, {
      teacherId: s.teachers.ana.id,
      currency: 'USD',
      from: new Date(clock.now().getTime() - 20 * DAY_MS),
      to: new Date(clock.now().getTime() + HOUR_MS),
    });
    expect(statement).toMatchObject({ openingMinor: 0, closingMinor: 0 });
    expect(statement.entries.map((entry) => [entry.kind, entry.amountMinor])).toEqual([
      ['session', bookings.ana[0]?.baseMinor],
      ['session', bookings.ana[1]?.baseMinor],
      ['payout', -anaShare],
    ]);
    expect(statement.entries.at(-1)?.payoutRunId).toBe(draft.id);

    // Never twice: the next run has nothing of these sessions.
    const next = await services().payouts.preview(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    expect(mine(next.lines, s)).toEqual([]);
  });

  it('R42: a session is in one approved run at most — a second draft over the same sessions cannot be approved', async () => {
    const { s } = await world({ sessions: { ana: 1, ben: 1 } });
    const first = await services().payouts.createRun(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    const second = await services().payouts.createRun(s.staff.finn, { currency: 'USD', cutoff: clock.now() });
    await services().payouts.approve(s.staff.finn, { id: first.id });
    const conflict = await refusal(services().payouts.approve(s.staff.fay, { id: second.id }));
    expect(conflict.code).toBe('CONFLICT');
    // Nothing of the refused approval stuck: the second run is still a draft, which may be discarded.
    expect((await services().payouts.get(s.staff.fay, { id: second.id })).status).toBe('DRAFT');
    const discarded = await services().payouts.discard(s.staff.fay, {
      id: second.id,
      reason: `Overlaps run ${first.id}`,
    });
    expect(discarded).toMatchObject({ status: 'DISCARDED', discardReason: `Overlaps run ${first.id}` });
    await services().payouts.send(s.staff.fay, { id: first.id });
    await ledgerHolds();
  });

  it('R44: two consoles sending the same run at once (and a double click) make one transfer per line', async () => {
    const { s } = await world({ sessions: { ana: 1, ben: 2 } });
    const run = await approvedRun(s);
    const results = await Promise.allSettled([
      services().payouts.send(s.staff.fay, { id: run.id }),
      services().payouts.send(s.staff.finn, { id: run.id }),
      services().payouts.send(s.staff.fay, { id: run.id }),
    ]);
    expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    const after = await services().payouts.get(s.staff.fay, { id: run.id });
    expect(after.status).toBe('SENT');
    const sentLines = after.lines.filter((line) => line.state === 'SENT');
    const atStripe = transfersOf(run.id);
    expect(atStripe).toHaveLength(sentLines.length);
    expect(
      new Set(atStripe.map((transfer) => (transfer['metadata'] as Record<string, string>)['payoutLineId'])).size,
    ).toBe(sentLines.length);
    // Sending a sent run again is refused and moves nothing.
    expect((await refusal(services().payouts.send(s.staff.fay, { id: run.id }))).code).toBe('ILLEGAL_TRANSITION');
    expect(transfersOf(run.id)).toHaveLength(sentLines.length);
    await ledgerHolds();
  });

  it('R44: a transfer Stripe refuses fails only its line, with Stripe’s reason; the retry (a new key) pays it', async () => {
    const { s } = await world({ sessions: { ana: 1, ben: 1 } });
    const ben = await services().teachers.payoutStatus(s.staff.fay, { teacherId: s.teachers.ben.id });
    stripe.setTransfersCapability(ben.stripeAccountId ?? '', 'inactive');
    const run = await approvedRun(s);
    await services().payouts.send(s.staff.fay, { id: run.id });
    const after = await services().payouts.get(s.staff.fay, { id: run.id });
    expect(after.status).toBe('PARTIALLY_FAILED');
    const benLine = after.lines.find((line) => line.teacherId === s.teachers.ben.id);
    const anaLine = after.lines.find((line) => line.teacherId === s.teachers.ana.id);
    expect(anaLine?.state).toBe('SENT');
    expect(benLine).toMatchObject({ state: 'FAILED', transferIds: [] });
    expect(benLine?.error).toMatch(/Stripe refused the transfer: .*capabilit/i);
    await ledgerHolds();
    // The account.updated event reaches us too: the teacher's status says so.
    await pollStripeEvents(container, silentLogger);
    expect((await services().teachers.payoutStatus(s.staff.fay, { teacherId: s.teachers.ben.id })).payoutStatus).toBe(
      'onboarding',
    );

    stripe.setTransfersCapability(ben.stripeAccountId ?? '', 'active');
    const retried = await services().payouts.retryLine(s.staff.fay, { lineId: benLine?.id ?? 0 });
    expect(retried).toMatchObject({
      status: 'SENT',
      attempt: 2,
      idempotencyKey: `payout-line:${benLine?.id}:transfer:2`,
    });
    expect((await services().payouts.get(s.staff.fay, { id: run.id })).status).toBe('SENT');
    expect(
      transfersOf(run.id).filter(
        (t) => (t['metadata'] as Record<string, string>)['payoutLineId'] === String(benLine?.id),
      ),
    ).toHaveLength(1);
    await ledgerHolds();
  });

  it('R28: an answer lost after Stripe made the transfer (a crash before our commit) is adopted by metadata, never repeated', async () => {
    const { s } = await world({ sessions: { ana: 1, ben: 0 } });
    const run = await approvedRun(s);
    const posts = () => stripe.requests.filter((r) => r.path === '/v1/transfers' && r.method === 'POST').length;
    const before = posts();
    // The transfer is made and its answer lost; the look-ups that follow are lost too — as if the
    // host had died between Stripe's answer and our commit.
    stripe.faults.failNext(1, { kind: 'timeout-after' });
    stripe.faults.failNext(10, { kind: 'timeout-before' });
    const lost = await refusal(services().payouts.send(s.staff.fay, { id: run.id }));
    expect(lost.code).toBe('INTEGRATION_FAILED');
    stripe.faults.clear();
    const waiting = (await services().payouts.get(s.staff.fay, { id: run.id })).lines.find(
      (line) => line.teacherId === s.teachers.ana.id,
    );
    expect(waiting).toMatchObject({ state: 'SENDING', transferIds: [] });
    expect(waiting?.submittedAt).not.toBeNull();
    expect(transfersOf(run.id)).toHaveLength(1);
    await ledgerHolds();

    // Reconciliation (or sending again) finds the transfer by the run's group and the line's metadata.
    const report = await services().reconciliation.run();
    expect(report.errors).toEqual([]);
    const after = await services().payouts.get(s.staff.fay, { id: run.id });
    expect(after.status).toBe('SENT');
    expect(after.lines.find((line) => line.id === waiting?.id)).toMatchObject({
      state: 'SENT',
      transferIds: [transfersOf(run.id)[0]?.['id']],
    });
    expect(posts() - before).toBe(1);
    expect(transfersOf(run.id)).toHaveLength(1);
    await ledgerHolds();
  });

  it('R45: a refund after payout takes the teacher’s part back by a reversal keyed by the refund', async () => {
    const { s, bookings } = await world({ sessions: { ana: 1, ben: 0 } });
    const run = await approvedRun(s);
    await services().payouts.send(s.staff.fay, { id: run.id });
    const session = bookings.ana[0];
    if (!session) throw new Error('no session');
    // A partial refund: R41 splits it (teacher part rounded half-up), the teacher's part is reversed.
    const amount = 1001;
    const request = await services().refunds.request(s.staff.sue, {
      paymentId: session.paymentId,
      amountMinor: amount,
      reason: 'Late start',
    });
    const done = await services().refunds.approve(s.staff.fay, { id: request.id });
    expect(done.status).toBe('SUCCEEDED');
    await container.outbox.drain();
    const teacherPart = Math.floor((amount * session.baseMinor * 2 + session.totalMinor) / (session.totalMinor * 2));
    const transfer = transfersOf(run.id)[0];
    const reversals = stripe.snapshot().reversals.filter((reversal) => reversal['transfer'] === transfer?.['id']);
    expect(reversals).toHaveLength(1);
    expect(reversals[0]).toMatchObject({ amount: teacherPart, metadata: { refundRequestId: String(request.id) } });
    expect(
      stripe.requests.filter((r) => r.idempotencyKey === `refund-request:${request.id}:reversal`).length,
    ).toBeGreaterThan(0);
    await ledgerHolds();
    const payable = (await services().ledger.balances(s.staff.fay, { currency: 'USD' })).accounts.find(
      (row) => row.account === `teacher_payable:${s.teachers.ana.id}`,
    );
    expect(payable?.naturalMinor ?? 0).toBe(0);
    // Delivered again (a repeat of the outbox row): nothing more moves.
    await services().payouts.transfers.reverse(request.id);
    expect(stripe.snapshot().reversals.filter((reversal) => reversal['transfer'] === transfer?.['id'])).toHaveLength(1);
    // Reconciliation agrees with Stripe about the transfer and its reversal.
    await services().reconciliation.run();
    const mismatches = await services().reconciliation.list(s.admin, { status: 'OPEN' });
    expect(mismatches.filter((mismatch) => mismatch.payoutRunId === run.id)).toEqual([]);
  });

  it('R45: a reversal Stripe refuses leaves a negative balance that the next run nets before paying anything', async () => {
    const { s, bookings } = await world({ sessions: { ana: 1, ben: 0 } });
    const run = await approvedRun(s);
    await services().payouts.send(s.staff.fay, { id: run.id });
    const account = await services().teachers.payoutStatus(s.staff.fay, { teacherId: s.teachers.ana.id });
    // The teacher already moved the money to their bank: a reversal cannot be covered.
    stripe.payOutConnectedBalance(account.stripeAccountId ?? '');
    const session = bookings.ana[0];
    if (!session) throw new Error('no session');
    const request = await services().refunds.request(s.staff.sue, {
      paymentId: session.paymentId,
      amountMinor: session.totalMinor,
      reason: 'Teacher did not show up',
    });
    const approved = await services().refunds.approve(s.staff.fay, { id: request.id });
    expect(approved.status).toBe('SUCCEEDED');
    await container.outbox.drain();
    const reversal = await container.uow.read.payouts.reversal(request.id);
    expect(reversal).toMatchObject({ status: 'FAILED', amountMinor: session.baseMinor });
    expect(reversal?.error).toMatch(/netted by later runs/);
    await ledgerHolds();
    // A full refund took back exactly base and fee: the teacher now owes the whole share.
    expect(await payable(s, 'ana')).toBe(-session.baseMinor);

    // Two more sessions: the next run nets the debt before paying anything.
    const more = await sessions(s, { ana: 2 });
    const earned = more.ana.reduce((sum, b) => sum + b.baseMinor, 0);
    const preview = await services().payouts.preview(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    expect(mine(preview.lines, s)).toEqual([
      expect.objectContaining({
        teacherId: s.teachers.ana.id,
        sessionsMinor: earned,
        carriedMinor: -session.baseMinor,
        netMinor: earned - session.baseMinor,
        state: 'READY',
      }),
    ]);
    const next = await approvedRun(s);
    await services().payouts.send(s.staff.fay, { id: next.id });
    expect(transfersOf(next.id).map((t) => t['amount'])).toEqual([earned - session.baseMinor]);
    expect(await payable(s, 'ana')).toBe(0);
    await ledgerHolds();
    // The debt was recovered once: a third run owes nothing.
    const third = await services().payouts.preview(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    expect(mine(third.lines, s)).toEqual([]);
  });

  it('R43: a line below the minimum or without a connected account is HELD with the reason and carried forward', async () => {
    const s = await people();
    await services().teachers.connect(s.staff.fay, { teacherId: s.teachers.ana.id });
    // Ana: one 15-minute session = $7.50 share, below the $10 minimum. Ben: no connected account.
    const small = await services().bookings.create(s.admin, {
      studentId: s.students.bob.id,
      gigId: s.teachers.ana.gigs.es.id,
      startsAt: new Date(clock.now().getTime() + 2 * HOUR_MS),
      minutes: 15,
    });
    expect(small.baseMinor).toBe(750);
    await services().bookings.confirm(s.admin, { id: small.id });
    const method = await services().payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const intent = await services().payments.createIntent(s.admin, {
      bookingId: small.id,
      paymentMethodId: method.paymentMethodId,
    });
    await services().payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    clock.advance(3 * HOUR_MS);
    await services().bookings.complete(s.admin, { id: small.id });
    await sessions(s, { ben: 1 });

    const run = await services().payouts.createRun(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
    const held = mine(run.lines, s);
    expect(held.map((line) => [line.teacherId, line.state, line.netMinor])).toEqual([
      [s.teachers.ana.id, 'HELD', 750],
      [s.teachers.ben.id, 'HELD', 4000],
    ]);
    expect(held[0]?.heldReason).toMatch(/minimum/i);
    expect(held[1]?.heldReason).toMatch(/connected Stripe account/i);
    // A run with nothing to send cannot be approved; it is discarded and nothing is claimed.
    expect((await refusal(services().payouts.approve(s.staff.finn, { id: run.id }))).message).toMatch(
      /nothing to send/,
    );
    await services().payouts.discard(s.staff.finn, { id: run.id, reason: 'Everything is held' });
    expect(transfersOf(run.id)).toEqual([]);
    await ledgerHolds();

    // Carried forward: Ben connects and Ana earns more; the next run pays both in full.
    await services().teachers.connect(s.staff.fay, { teacherId: s.teachers.ben.id });
    const more = await sessions(s, { ana: 1 });
    const next = await approvedRun(s);
    expect(mine(next.lines, s).map((line) => [line.teacherId, line.state, line.netMinor])).toEqual([
      [s.teachers.ana.id, 'READY', 750 + (more.ana[0]?.baseMinor ?? 0)],
      [s.teachers.ben.id, 'READY', 4000],
    ]);
    await services().payouts.send(s.staff.fay, { id: next.id });
    expect(await payable(s, 'ana')).toBe(0);
    expect(await payable(s, 'ben')).toBe(0);
    await ledgerHolds();
  });

  it('R26/R44: reconciliation lists what Stripe shows but we never did — a reversal made in the dashboard, a transfer naming no line', async () => {
    const { s } = await world({ sessions: { ana: 1, ben: 0 } });
    const run = await approvedRun(s);
    await services().payouts.send(s.staff.fay, { id: run.id });
    const transfer = transfersOf(run.id)[0];
    const line = (await services().payouts.get(s.staff.fay, { id: run.id })).lines.find(
      (candidate) => candidate.teacherId === s.teachers.ana.id,
    );
    const account = await services().teachers.payoutStatus(s.staff.fay, { teacherId: s.teachers.ana.id });
    const dashboard = (path: string, body: Record<string, string>) =>
      fetch(`${stripe.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stripe.apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      }).then(async (response) => {
        expect(response.status, await response.clone().text()).toBe(200);
      });
    await dashboard(`/v1/transfers/${String(transfer?.['id'])}/reversals`, { amount: '100' });
    // (Within what the platform has available: its fee and the 100 reversed.)
    await dashboard('/v1/transfers', {
      amount: '200',
      currency: 'usd',
      destination: account.stripeAccountId ?? '',
      transfer_group: transferGroupOf(run.id),
    });
    await services().reconciliation.run();
    const open = (await services().reconciliation.list(s.admin, { status: 'OPEN' })).filter(
      (mismatch) => mismatch.payoutRunId === run.id,
    );
    expect(open.map((mismatch) => [mismatch.kind, mismatch.payoutLineId]).sort()).toEqual([
      ['transfer_reversed_differs', line?.id ?? 0],
      ['transfer_unknown', null],
    ]);
    expect(open.find((mismatch) => mismatch.kind === 'transfer_reversed_differs')).toMatchObject({
      localState: 'reversed 0 USD',
      stripeState: 'reversed 100 USD',
      paymentId: null,
      bookingId: null,
    });
    // Listed once while open, however often reconciliation runs.
    await services().reconciliation.run();
    expect(
      (await services().reconciliation.list(s.admin, { status: 'OPEN' })).filter(
        (mismatch) => mismatch.payoutRunId === run.id,
      ),
    ).toHaveLength(2);
    // Our records were not overwritten: the ledger still says what we did, and holds.
    await ledgerHolds();
  });

  it('R44: 250 lines are sent in pages and recorded in batches — a teacher without an account and a refused transfer fail alone; each SENT line has exactly one transfer; the ledger holds', async () => {
    const s = await people();
    const ids = await manyTeachers(s, 250);
    const run = await approvedRun(s);
    const ours = <T extends { teacherId: number }>(lines: T[]) => lines.filter((line) => ids.includes(line.teacherId));
    expect(ours(run.lines).every((line) => line.state === 'READY')).toBe(true);
    const [gone, refused] = ids;
    // After approval: one teacher's account is no longer on record; Stripe refuses transfers to another's.
    await container.db.prisma.$executeRawUnsafe('UPDATE "Teacher" SET "stripeAccountId" = NULL WHERE id = $1', gone);
    const refusedAccount = (await services().teachers.payoutStatus(s.staff.fay, { teacherId: refused ?? 0 }))
      .stripeAccountId;
    stripe.setTransfersCapability(refusedAccount ?? '', 'inactive');

    const sent = await services().payouts.send(s.staff.fay, { id: run.id });
    expect(sent.status).toBe('PARTIALLY_FAILED');
    const lines = ours(sent.lines);
    expect(lines).toHaveLength(250);
    expect(lines.find((line) => line.teacherId === gone)).toMatchObject({ state: 'FAILED', transferIds: [] });
    expect(lines.find((line) => line.teacherId === gone)?.error).toMatch(/no connected Stripe account/);
    expect(lines.find((line) => line.teacherId === refused)).toMatchObject({ state: 'FAILED', transferIds: [] });
    expect(lines.find((line) => line.teacherId === refused)?.error).toMatch(
      /Stripe refused the transfer: .*capabilit/i,
    );
    const paid = lines.filter((line) => line.teacherId !== gone && line.teacherId !== refused);
    expect(paid.every((line) => line.state === 'SENT')).toBe(true);
    for (const line of paid) {
      const naming = namingLine(run.id, line.id);
      expect(naming).toHaveLength(1);
      expect(naming[0]).toMatchObject({ id: line.stripeTransferId, amount: line.netMinor });
      expect(transferPosts(line.id)).toBe(1);
    }
    expect(transfersOf(run.id)).toHaveLength(sent.lines.filter((line) => line.state === 'SENT').length);
    // Each line's life is in its transition records, the batch's as any other's.
    const last = paid.at(-1);
    const history = await container.uow.read.transitions.forAggregate('payout_line', last?.id ?? 0);
    expect(history.map((row) => [row.action, row.fromState, row.toState])).toEqual([
      ['start', 'READY', 'SENDING'],
      ['succeed', 'SENDING', 'SENT'],
    ]);
    expect(history[1]?.data).toEqual({ stripeTransferId: last?.stripeTransferId, amountMinor: last?.netMinor });
    await ledgerHolds();
    const balances = await services().ledger.balances(s.staff.fay, { currency: 'USD' });
    const owed = (teacherId: number | undefined) =>
      balances.accounts.find((row) => row.account === `teacher_payable:${teacherId}`)?.naturalMinor ?? 0;
    expect(paid.every((line) => owed(line.teacherId) === 0)).toBe(true);
    expect(owed(gone)).toBe(lines.find((line) => line.teacherId === gone)?.netMinor);
    stripe.setTransfersCapability(refusedAccount ?? '', 'active');
  });

  it('R28: Stripe answered but the batch never committed (the host died while recording) — the next send adopts every transfer by metadata and sends none twice', async () => {
    const s = await people();
    const ids = await manyTeachers(s, 150);
    const run = await approvedRun(s);
    const ours = <T extends { teacherId: number }>(lines: T[]) => lines.filter((line) => ids.includes(line.teacherId));
    const sql = (statement: string) => container.db.prisma.$executeRawUnsafe(statement);
    // Recording dies as the host would: no batch that posts a payout commits.
    await sql(`CREATE FUNCTION "test_host_dies"() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'the host died while recording'; END; $$`);
    await sql(`CREATE TRIGGER "test_host_dies" BEFORE INSERT ON "LedgerEntry" FOR EACH ROW
               WHEN (NEW.kind = 'payout_sent') EXECUTE FUNCTION "test_host_dies"()`);
    let crashed: DomainError;
    try {
      crashed = await refusal(services().payouts.send(s.staff.fay, { id: run.id }));
    } finally {
      await sql('DROP TRIGGER "test_host_dies" ON "LedgerEntry"');
      await sql('DROP FUNCTION "test_host_dies"()');
    }
    expect(crashed.message).toMatch(/the host died while recording/);
    const midway = await services().payouts.get(s.staff.fay, { id: run.id });
    expect(midway.status).toBe('SENDING');
    expect(ours(midway.lines).every((line) => line.state === 'SENDING' && line.submittedAt !== null)).toBe(true);
    const made = transfersOf(run.id);
    // At least the first batch went out before its recording failed; no transfer started after that.
    expect(made.length).toBeGreaterThanOrEqual(100);
    await ledgerHolds();

    const resumed = await services().payouts.send(s.staff.fay, { id: run.id });
    expect(resumed.status).toBe('SENT');
    const lines = ours(resumed.lines);
    expect(lines.every((line) => line.state === 'SENT')).toBe(true);
    for (const line of lines) {
      expect(namingLine(run.id, line.id).map((transfer) => transfer['id'])).toEqual([line.stripeTransferId]);
      expect(transferPosts(line.id)).toBe(1);
    }
    for (const transfer of made) {
      const lineId = (transfer['metadata'] as Record<string, string>)['payoutLineId'];
      expect(resumed.lines.find((line) => String(line.id) === lineId)?.stripeTransferId).toBe(transfer['id']);
    }
    expect(transfersOf(run.id)).toHaveLength(resumed.lines.filter((line) => line.state === 'SENT').length);
    await ledgerHolds();
  });

  it('R44: a line someone else records while its batch waits (a transfer event adopting it) is skipped by the batch — recorded and posted once', async () => {
    const { s } = await world({ sessions: { ana: 1, ben: 1 } });
    const run = await approvedRun(s);
    const benLine = run.lines.find((line) => line.teacherId === s.teachers.ben.id);
    const gateway = container.integrations.gateway;
    const createTransfer = gateway.createTransfer.bind(gateway);
    // Stripe's transfer.created event for Ben's line is handled between Stripe's answer and the batch.
    gateway.createTransfer = async (input, key) => {
      const transfer = await createTransfer(input, key);
      if (input.metadata['payoutLineId'] === String(benLine?.id))
        expect(await services().payouts.transfers.settleFromTransfer(transfer)).toBe(true);
      return transfer;
    };
    let sent: Awaited<ReturnType<ReturnType<typeof services>['payouts']['send']>>;
    try {
      sent = await services().payouts.send(s.staff.fay, { id: run.id });
    } finally {
      gateway.createTransfer = createTransfer;
    }
    expect(sent.status).toBe('SENT');
    const line = sent.lines.find((candidate) => candidate.id === benLine?.id);
    expect(line).toMatchObject({ state: 'SENT', transferIds: [namingLine(run.id, benLine?.id ?? 0)[0]?.['id']] });
    const history = await container.uow.read.transitions.forAggregate('payout_line', benLine?.id ?? 0);
    expect(history.map((row) => row.action)).toEqual(['start', 'succeed']);
    expect(transferPosts(benLine?.id ?? 0)).toBe(1);
    // Posted once: R46's payable check would see a second payout of the line.
    await ledgerHolds();
    expect(await payable(s, 'ben')).toBe(0);
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { DAY_MS, fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import { DomainError } from '../../src/main/domain/errors';
import { pollStripeEvents } from '../../src/main/jobs';
import { silentLogger } from '../../src/main/log';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { buildScenario } from '../factories/scenario';
import { openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');
const TEACHERS = ['ana', 'ben', 'cy'] as const;
type Teacher = (typeof TEACHERS)[number];

type Op =
  | { kind: 'pay'; teacher: Teacher; minutes: 30 | 60 | 90 }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'run' }
  | { kind: 'runWithLostAnswer' }
  | { kind: 'teacherPaysOut'; teacher: Teacher }
  | { kind: 'capability'; teacher: Teacher; active: boolean }
  | { kind: 'retryFailed' }
  | { kind: 'deliver' }
  | { kind: 'reconcile' };

const teacher = fc.constantFrom(...TEACHERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      teacher,
      minutes: fc.constantFrom(30 as const, 60 as const, 90 as const),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      pick: fc.nat(),
      share: fc.double({ min: 0.01, max: 1, noNaN: true }),
    }),
    weight: 3,
  },
  { arbitrary: fc.constant({ kind: 'run' as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'runWithLostAnswer' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('teacherPaysOut' as const), teacher }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('capability' as const), teacher, active: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'retryFailed' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'deliver' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'reconcile' as const }), weight: 1 },
);

/**
 * R46 as a property: whatever sequence of payments, refunds (before and after payout), payout runs,
 * sends (with lost answers and refused transfers), retries, reversals (covered or refused) and
 * reconciliations happens, after every step the ledger balances per currency, every teacher's
 * payable equals shares earned − refunded parts − paid out + reversed, no session is paid out twice,
 * and the transfers at Stripe are exactly the lines SENT (net of reversals).
 */
describe('random sequences of payments, refunds, runs, sends and reversals keep R46 (PGlite)', () => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    await stripe.start();
    database = await openTestContainer('pglite', clock, {
      integrations: { sandboxes: { stripe }, stripeTimeoutMs: 300, stripeRetries: 0 },
    });
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
    await stripe.stop();
  });

  /** Everything R46 says, checked against our records and against the local Stripe. */
  async function invariantsHold(settled = false): Promise<void> {
    const check = await container.services.ledger.check.now();
    expect(check.problems).toEqual([]);
    const lines = new Map<
      string,
      { status: string; netMinor: number; stripeTransferId: string | null; submittedAt: Date | null }
    >();
    for (let cursor: number | undefined; ;) {
      const page = await container.uow.read.payouts.listRuns({ beforeId: cursor, limit: 100 });
      for (const run of page)
        for (const line of await container.uow.read.payouts.lines(run.id)) lines.set(String(line.id), line);
      if (page.length < 100) break;
      cursor = page.at(-1)?.id;
    }
    const snapshot = stripe.snapshot();
    const transfers = snapshot.transfers.filter((transfer) => 'payoutLineId' in (transfer['metadata'] as object));
    // Every transfer at Stripe is one SENT line's, of its amount; every SENT line has one.
    const perLine = new Map<string, number>();
    for (const transfer of transfers) {
      const lineId = (transfer['metadata'] as Record<string, string>)['payoutLineId'] ?? '';
      perLine.set(lineId, (perLine.get(lineId) ?? 0) + 1);
      const line = lines.get(lineId);
      expect(line?.netMinor).toBe(transfer['amount']);
      // Until reconciliation runs, a transfer whose answer was lost belongs to a line still waiting
      // for it (sent, no answer: R28) — never to one that failed or was not sent.
      if (!settled && line?.status === 'SENDING' && line.submittedAt !== null) continue;
      expect(line?.status, `line ${lineId} of transfer ${transfer['id']}`).toBe('SENT');
      expect(line?.stripeTransferId).toBe(transfer['id']);
    }
    for (const [id, line] of lines) if (line.status === 'SENT') expect(perLine.get(id), `line ${id}`).toBe(1);
    // Reversed at Stripe = reversals recorded as succeeded, plus (until settled) reversals sent whose
    // answer was lost (R28: in flight, found by the next delivery or reconciliation).
    const reversedAtStripe = transfers.reduce((sum, transfer) => sum + Number(transfer['amount_reversed'] ?? 0), 0);
    const payables = await container.uow.read.payouts.expectedPayables();
    const recorded = payables.reduce((sum, row) => sum + row.reversedMinor, 0);
    const inFlight = settled
      ? 0
      : (await container.uow.read.payouts.reversalsAwaiting(1000))
          .filter((reversal) => reversal.submittedAt !== null)
          .reduce((sum, reversal) => sum + reversal.amountMinor, 0);
    expect(reversedAtStripe).toBeGreaterThanOrEqual(recorded);
    expect(reversedAtStripe).toBeLessThanOrEqual(recorded + inFlight);
  }

  it('after every step', { timeout: 300_000 }, async () => {
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT', fay: 'FINANCE', finn: 'FINANCE' },
      teachers: {
        ana: { gigs: { g: { rate: 3000 } } },
        ben: { gigs: { g: { rate: 4550 } } },
        cy: { gigs: { g: { rate: 1999 } } },
      },
      students: { bob: {} },
    });
    const accounts = new Map<Teacher, string>();
    for (const name of TEACHERS) {
      const connected = await container.services.teachers.connect(s.staff.fay, { teacherId: s.teachers[name].id });
      accounts.set(name, connected.stripeAccountId);
    }
    const sessions: { paymentId: number; totalMinor: number }[] = [];

    const steps: Record<Op['kind'], (step: never) => Promise<unknown>> = {
      pay: async (step: Extract<Op, { kind: 'pay' }>) => {
        const booking = await container.services.bookings.create(s.admin, {
          studentId: s.students.bob.id,
          gigId: s.teachers[step.teacher].gigs.g.id,
          startsAt: new Date(clock.now().getTime() + 2 * HOUR_MS),
          minutes: step.minutes,
        });
        await container.services.bookings.confirm(s.admin, { id: booking.id });
        const method = await container.services.payments.attachMethod(s.admin, {
          studentId: s.students.bob.id,
          paymentMethodId: 'pm_card_visa',
        });
        const intent = await container.services.payments.createIntent(s.admin, {
          bookingId: booking.id,
          paymentMethodId: method.paymentMethodId,
        });
        await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
        clock.advance(4 * HOUR_MS);
        await container.services.bookings.complete(s.admin, { id: booking.id });
        sessions.push({ paymentId: intent.paymentId, totalMinor: booking.totalMinor });
      },
      refund: async (step: Extract<Op, { kind: 'refund' }>) => {
        const session = sessions[step.pick % Math.max(1, sessions.length)];
        if (!session) return;
        const payment = await container.uow.read.payments.findById(session.paymentId);
        const remaining = (payment?.amountMinor ?? 0) - (payment?.refundedMinor ?? 0);
        if (remaining <= 0) return;
        const request = await container.services.refunds.request(s.staff.sue, {
          paymentId: session.paymentId,
          amountMinor: Math.max(1, Math.floor(remaining * step.share)),
          reason: 'property',
        });
        const first = await container.services.refunds.approve(s.staff.fay, { id: request.id });
        if (first.status === 'AWAITING_SECOND_APPROVAL')
          await container.services.refunds.approve(s.staff.finn, { id: request.id });
      },
      run: async () => {
        clock.advance(3 * DAY_MS + HOUR_MS);
        const run = await container.services.payouts.createRun(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
        try {
          await container.services.payouts.approve(s.staff.finn, { id: run.id });
        } catch (error) {
          await container.services.payouts.discard(s.staff.finn, { id: run.id, reason: 'nothing to send' });
          throw error;
        }
        await container.services.payouts.send(s.staff.fay, { id: run.id });
      },
      runWithLostAnswer: async () => {
        clock.advance(3 * DAY_MS + HOUR_MS);
        const run = await container.services.payouts.createRun(s.staff.fay, { currency: 'USD', cutoff: clock.now() });
        await container.services.payouts.approve(s.staff.finn, { id: run.id });
        // The first transfer is made and its answer lost, and so are the look-ups: as a crash.
        stripe.faults.failNext(1, { kind: 'timeout-after' });
        stripe.faults.failNext(6, { kind: 'timeout-before' });
        await container.services.payouts.send(s.staff.fay, { id: run.id }).catch(() => undefined);
        stripe.faults.clear();
        await invariantsHold();
        await container.services.reconciliation.run();
      },
      teacherPaysOut: (step: Extract<Op, { kind: 'teacherPaysOut' }>) => {
        stripe.payOutConnectedBalance(accounts.get(step.teacher) ?? '');
        return Promise.resolve();
      },
      capability: async (step: Extract<Op, { kind: 'capability' }>) => {
        stripe.setTransfersCapability(accounts.get(step.teacher) ?? '', step.active ? 'active' : 'inactive');
        await pollStripeEvents(container, silentLogger);
      },
      retryFailed: async () => {
        for (const run of await container.uow.read.payouts.listRuns({ statuses: ['PARTIALLY_FAILED'], limit: 20 }))
          for (const line of await container.uow.read.payouts.lines(run.id))
            if (line.status === 'FAILED')
              await container.services.payouts.retryLine(s.staff.fay, { lineId: line.id }).catch((error: unknown) => {
                if (!(error instanceof DomainError)) throw error;
              });
      },
      deliver: () => container.outbox.drain(),
      reconcile: () => container.services.reconciliation.run(),
    };

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        stripe.faults.clear();
        for (const step of ops) {
          try {
            await steps[step.kind](step as never);
          } catch (error) {
            // A refusal (nothing to send, over what remains, Stripe refused) is a legal outcome.
            if (!(error instanceof DomainError)) throw error;
          }
          await invariantsHold();
        }
        // Settled: every reversal delivered, every lost answer found.
        stripe.faults.clear();
        await container.outbox.drain();
        await container.services.reconciliation.run();
        await invariantsHold(true);
      }),
      // State accumulates across sequences (one database), so shrinking would mislead: report as found.
      { numRuns: 8, seed: 20261128, endOnFailure: true },
    );
  });
});

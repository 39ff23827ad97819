import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { idSchema, reasonSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import { inTransaction, type ServiceDeps } from './context';
import type { PaymentGateway, RefundSnapshot } from './gateways';
import type { IntentUseCases } from './payments/intents';
import type { TransferReconciliation } from './payouts/reconcile';
import type { PaymentRecord } from './ports';
import { applyRefundOutcome } from './refunds/outcomes';
import { implement, spec } from './use-case';

export const RECONCILIATION_USE_CASES = {
  list: spec('operations.mismatches', 'payments.read', z.object({ status: z.enum(['OPEN', 'RESOLVED']).optional() })),
  resolve: spec(
    'operations.resolveMismatch',
    'operations.manage',
    z.object({ id: idSchema, resolution: reasonSchema }),
  ),
  run: spec('operations.reconcile', 'operations.manage', z.object({}).optional()),
};

const BATCH = 200;
const REFUND_COUNTS = new Set(['succeeded', 'pending', 'requires_action']);

export interface ReconciliationReport {
  checked: number;
  settled: number;
  mismatches: number;
  errors: string[];
}

/**
 * R26/R29: compare everything that moved money with Stripe — open payments, paid ones, refunded
 * ones and their refunds, and payout runs' transfers. What was waiting for Stripe (a lost answer, a crash before commit, a
 * pending refund) is settled from Stripe's state through the tables; what contradicts our records
 * becomes a mismatch for staff to resolve — never overwritten silently.
 */
export function createReconciliationService(
  deps: ServiceDeps & {
    gateway: PaymentGateway;
    intents: IntentUseCases;
    /** R44: payout runs' transfers compared with Stripe's (see payouts/reconcile). */
    transfers: () => Promise<TransferReconciliation>;
  },
) {
  const { uow, clock, gateway, intents } = deps;

  async function refunds(payment: PaymentRecord, intentId: string): Promise<number> {
    const atStripe = await gateway.listRefunds(intentId);
    let settled = 0;
    const unknown: RefundSnapshot[] = [];
    for (const refund of atStripe) {
      const byMetadata = Number(refund.metadata['refundRequestId']);
      const request =
        (await uow.read.refunds.findByStripeId(refund.id)) ??
        (Number.isSafeInteger(byMetadata) && byMetadata > 0 ? await uow.read.refunds.find(byMetadata) : null);
      if (!request || request.paymentId !== payment.id) {
        if (REFUND_COUNTS.has(refund.status)) unknown.push(refund);
        continue;
      }
      const before = request.status;
      const after = await inTransaction(deps, (repos, changes) =>
        applyRefundOutcome(repos, clock.now(), request.id, refund, changes),
      );
      if (after.status !== before) settled += 1;
    }
    const now = clock.now();
    const current = (await uow.read.payments.findById(payment.id)) ?? payment;
    const stripeRefunded = atStripe
      .filter((refund) => refund.status === 'succeeded')
      .reduce((sum, refund) => sum + refund.amountMinor, 0);
    if (unknown.length > 0) {
      await uow.transaction((repos) =>
        repos.mismatches.open({
          paymentId: payment.id,
          bookingId: payment.bookingId,
          kind: 'refund_not_recorded',
          localState: `refunded ${current.refundedMinor} ${current.currency}`,
          stripeState: `refunded ${stripeRefunded} ${current.currency}`,
          detail: `Stripe shows refunds not recorded here (${unknown.map((refund) => `${refund.id}: ${refund.amountMinor} ${refund.status}`).join(', ')}), e.g. made in Stripe's dashboard.`,
          detectedAt: now,
        }),
      );
    } else if (stripeRefunded !== current.refundedMinor) {
      await uow.transaction((repos) =>
        repos.mismatches.open({
          paymentId: payment.id,
          bookingId: payment.bookingId,
          kind: 'refund_total_differs',
          localState: `refunded ${current.refundedMinor} ${current.currency}`,
          stripeState: `refunded ${stripeRefunded} ${current.currency}`,
          detail: 'The refunded amount recorded here differs from the refunds that succeeded at Stripe.',
          detectedAt: now,
        }),
      );
    }
    return settled;
  }

  async function one(payment: PaymentRecord): Promise<number> {
    let intentId = payment.stripePaymentIntentId;
    if (!intentId) {
      // A create whose answer was lost: ensureIntent looks the intent up by metadata first (R28).
      if (payment.intentSentAt === null && payment.intentAttempt === 1) return 0;
      intentId = (await intents.ensureIntent(payment, null)).id;
    }
    const snapshot = await gateway.retrievePaymentIntent(intentId);
    const after = await intents.sync(snapshot, payment);
    let settled = after.status !== payment.status ? 1 : 0;
    if (snapshot.status === 'succeeded') settled += await refunds(after, intentId);
    return settled;
  }

  const run = async (): Promise<ReconciliationReport> => {
    const before = await uow.read.mismatches.countOpen();
    const report: ReconciliationReport = { checked: 0, settled: 0, mismatches: 0, errors: [] };
    for (const payment of await uow.read.payments.needingReconciliation(5000)) {
      report.checked += 1;
      try {
        report.settled += await one(payment);
      } catch (error) {
        report.errors.push(`payment ${payment.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // Refund requests sent whose payment the pass above did not reach.
    for (const request of await uow.read.refunds.awaitingStripe(BATCH)) {
      const payment = await uow.read.payments.findById(request.paymentId);
      if (!payment?.stripePaymentIntentId) continue;
      try {
        report.settled += await refunds(payment, payment.stripePaymentIntentId);
      } catch (error) {
        report.errors.push(`refund request ${request.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const transfers = await deps.transfers();
    report.checked += transfers.checked;
    report.settled += transfers.settled;
    report.errors.push(...transfers.errors);
    report.mismatches = Math.max(0, (await uow.read.mismatches.countOpen()) - before);
    return report;
  };

  return {
    /** For start-up and the timer: no actor, the system reconciles. */
    run,
    /** A staff member asks for a pass now. */
    reconcile: implement(RECONCILIATION_USE_CASES.run, () => run()),

    list: implement(RECONCILIATION_USE_CASES.list, (_actor, input) =>
      uow.read.mismatches.list({ status: input.status, limit: 500 }),
    ),

    /** Staff decide: the note records what was done (refunded at Stripe, or accepted Stripe's record). */
    resolve: implement(RECONCILIATION_USE_CASES.resolve, async (actor, input) => {
      const mismatch = await uow.read.mismatches.find(input.id);
      if (!mismatch) throw new DomainError('NOT_FOUND', `Mismatch ${input.id} does not exist`);
      if (mismatch.status === 'RESOLVED')
        throw new DomainError('ILLEGAL_TRANSITION', `Mismatch ${mismatch.id} is already resolved`);
      await uow.transaction(async (repos) => {
        await repos.mismatches.resolve(
          mismatch.id,
          actor.kind === 'STAFF' ? actor.id : 0,
          input.resolution,
          clock.now(),
        );
        await repos.audit.append(
          auditEntry(actor, 'reconciliation.resolve', 'ReconciliationMismatch', mismatch.id, clock.now(), {
            resolution: input.resolution,
            kind: mismatch.kind,
          }),
        );
      });
      return { ...mismatch, status: 'RESOLVED' as const, resolution: input.resolution };
    }),
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;

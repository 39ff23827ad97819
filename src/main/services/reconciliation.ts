import { z } from 'zod';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { assertStaffCan } from '../domain/permissions';
import { idSchema, reasonSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import type { PaymentGateway } from './gateways';
import type { PaymentService } from './payments';
import type { PaymentRecord } from './ports';
import { parseInput } from './validation';

/**
 * R26: compare local payments and refunds with Stripe's objects. A payment still waiting to hear
 * from Stripe (PENDING, a lost answer, a crash before commit) is settled from Stripe's state, which
 * is what it was waiting for; anything that contradicts what we recorded becomes a mismatch for
 * staff to resolve — never overwritten silently.
 */
export function createReconciliationService(deps: ServiceDeps & { gateway: PaymentGateway; payments: PaymentService }) {
  const { uow, clock, gateway, payments } = deps;

  async function checkRefunds(payment: PaymentRecord): Promise<void> {
    if (!payment.stripePaymentIntentId || !['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(payment.status)) return;
    const refunds = (await gateway.listRefunds(payment.stripePaymentIntentId)).filter(
      (refund) => refund.status === 'succeeded' || refund.status === 'pending',
    );
    const stripeTotal = refunds.reduce((sum, refund) => sum + refund.amountMinor, 0);
    if (stripeTotal === payment.refundedMinor) return;
    const known = await uow.read.payments.refundRequests({ paymentId: payment.id, limit: 100 });
    const unknown = refunds.filter((refund) => !known.some((request) => request.stripeRefundId === refund.id));
    await uow.transaction((repos) =>
      repos.payments.openMismatch({
        paymentId: payment.id,
        bookingId: payment.bookingId,
        kind: stripeTotal > payment.refundedMinor ? 'refund_not_recorded' : 'refund_missing_at_stripe',
        localState: `refunded ${payment.refundedMinor} ${payment.currency}`,
        stripeState: `refunded ${stripeTotal} ${payment.currency}`,
        detail:
          stripeTotal > payment.refundedMinor
            ? `Stripe shows refunds not recorded here (${unknown.map((refund) => `${refund.id}: ${refund.amountMinor}`).join(', ') || 'amounts differ'}), e.g. made in Stripe's dashboard.`
            : 'This console recorded more refunded than Stripe shows.',
        detectedAt: clock.now(),
      }),
    );
  }

  return {
    /** One pass over payments that may still change at Stripe. Returns what it did. */
    async run(limit = 500): Promise<{ checked: number; settled: number; mismatches: number; errors: string[] }> {
      const candidates = await uow.read.payments.needingReconciliation(limit);
      const before = (await uow.read.payments.mismatches({ status: 'OPEN', limit: 1000 })).length;
      let settled = 0;
      const errors: string[] = [];
      for (const payment of candidates) {
        try {
          const snapshot = await payments.ensureIntent(payment, null);
          const statusBefore = payment.status;
          await payments.syncIntent(snapshot, null);
          const after = await uow.read.payments.findById(payment.id);
          if (after && after.status !== statusBefore) settled += 1;
          if (after?.status === 'PAID' && snapshot.status !== 'succeeded') {
            await uow.transaction((repos) =>
              repos.payments.openMismatch({
                paymentId: payment.id,
                bookingId: payment.bookingId,
                kind: 'paid_here_not_there',
                localState: 'payment PAID',
                stripeState: `payment_intent ${snapshot.status}`,
                detail: 'Recorded as paid here, but Stripe does not show a successful charge.',
                detectedAt: clock.now(),
              }),
            );
          }
          if (after) await checkRefunds(after);
        } catch (error) {
          errors.push(`payment ${payment.id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const mismatches = (await uow.read.payments.mismatches({ status: 'OPEN', limit: 1000 })).length - before;
      return { checked: candidates.length, settled, mismatches: Math.max(0, mismatches), errors };
    },

    async list(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'payments.read');
      const query = parseInput(
        z.object({ status: z.enum(['OPEN', 'RESOLVED']).optional() }),
        input ?? {},
        'mismatch list query',
      );
      return uow.read.payments.mismatches({ status: query.status, limit: 500 });
    },

    /** Staff decide: the note records what was done (e.g. refunded the student at Stripe, or accepted Stripe's record). */
    async resolve(actor: Actor, input: unknown) {
      assertStaffCan(actor, 'operations.manage');
      const data = parseInput(z.object({ id: idSchema, resolution: reasonSchema }), input, 'resolution');
      const mismatch = await uow.read.payments.findMismatch(data.id);
      if (!mismatch) throw new DomainError('NOT_FOUND', `Mismatch ${data.id} does not exist`);
      if (mismatch.status === 'RESOLVED')
        throw new DomainError('ILLEGAL_TRANSITION', `Mismatch ${mismatch.id} is already resolved`);
      await uow.transaction(async (repos) => {
        await repos.payments.resolveMismatch(
          mismatch.id,
          actor.kind === 'STAFF' ? actor.id : 0,
          data.resolution,
          clock.now(),
        );
        await repos.audit.append(
          auditEntry(actor, 'reconciliation.resolve', 'ReconciliationMismatch', mismatch.id, clock.now(), {
            resolution: data.resolution,
            kind: mismatch.kind,
          }),
        );
      });
      return { ...mismatch, status: 'RESOLVED' as const, resolution: data.resolution };
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;

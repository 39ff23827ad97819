import { BOOKING_USE_CASES } from '../../services/bookings/specs';
import { DELIVERY_USE_CASES as D } from '../../services/deliveries';
import { PAYMENT_USE_CASES as P } from '../../services/payments/specs';
import { RECONCILIATION_USE_CASES as R } from '../../services/reconciliation';
import { REFUND_USE_CASES as F } from '../../services/refunds/specs';
import { bookingDto } from '../dto';
import { router, useCaseProcedure } from '../trpc';

export const paymentsRouter = router({
  attachMethod: useCaseProcedure(P.attachMethod).mutation(({ ctx, input }) =>
    ctx.services.payments.attachMethod.run(ctx.actor, input),
  ),
  listMethods: useCaseProcedure(P.listMethods).query(({ ctx, input }) =>
    ctx.services.payments.listMethods.run(ctx.actor, input),
  ),
  createIntent: useCaseProcedure(P.createIntent).mutation(({ ctx, input }) =>
    ctx.services.payments.createIntent.run(ctx.actor, input),
  ),
  confirm: useCaseProcedure(P.confirm).mutation(({ ctx, input }) =>
    ctx.services.payments.confirm.run(ctx.actor, input),
  ),
  get: useCaseProcedure(P.get).query(({ ctx, input }) => ctx.services.payments.get.run(ctx.actor, input)),
  forBooking: useCaseProcedure(P.forBooking).query(({ ctx, input }) =>
    ctx.services.payments.forBooking.run(ctx.actor, input),
  ),
  list: useCaseProcedure(P.list).query(({ ctx, input }) => ctx.services.payments.list.run(ctx.actor, input)),
});

export const refundsRouter = router({
  request: useCaseProcedure(F.request).mutation(({ ctx, input }) => ctx.services.refunds.request.run(ctx.actor, input)),
  approve: useCaseProcedure(F.approve).mutation(({ ctx, input }) => ctx.services.refunds.approve.run(ctx.actor, input)),
  reject: useCaseProcedure(F.reject).mutation(({ ctx, input }) => ctx.services.refunds.reject.run(ctx.actor, input)),
  process: useCaseProcedure(F.process).mutation(({ ctx, input }) => ctx.services.refunds.process.run(ctx.actor, input)),
  list: useCaseProcedure(F.list).query(({ ctx, input }) => ctx.services.refunds.list.run(ctx.actor, input)),
});

export const operationsRouter = router({
  cancelPaid: useCaseProcedure(BOOKING_USE_CASES.cancelPaid).mutation(async ({ ctx, input }) =>
    bookingDto(await ctx.services.bookings.cancelPaid.run(ctx.actor, input)),
  ),
  mismatches: useCaseProcedure(R.list).query(({ ctx, input }) =>
    ctx.services.reconciliation.list.run(ctx.actor, input),
  ),
  resolveMismatch: useCaseProcedure(R.resolve).mutation(({ ctx, input }) =>
    ctx.services.reconciliation.resolve.run(ctx.actor, input),
  ),
  reconcile: useCaseProcedure(R.run).mutation(({ ctx, input }) =>
    ctx.services.reconciliation.reconcile.run(ctx.actor, input),
  ),
  failedDeliveries: useCaseProcedure(D.failures).query(({ ctx, input }) =>
    ctx.services.deliveries.failures.run(ctx.actor, input),
  ),
  retryDelivery: useCaseProcedure(D.retry).mutation(({ ctx, input }) =>
    ctx.services.deliveries.retry.run(ctx.actor, input),
  ),
});

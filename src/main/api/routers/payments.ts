import { z } from 'zod';
import { idSchema } from '../../../shared/schemas';
import { attachMethodInput, cancelPaidInput, confirmInput, createIntentInput } from '../../services/payments';
import { requestRefundInput } from '../../services/refunds-workflow';
import { bookingDto } from '../dto';
import { router, staffProcedure } from '../trpc';

export const paymentsRouter = router({
  attachMethod: staffProcedure('payments.operate')
    .input(attachMethodInput)
    .mutation(({ ctx, input }) => ctx.services.payments.attachMethod(ctx.actor, input)),
  listMethods: staffProcedure('payments.read')
    .input(z.object({ studentId: idSchema }))
    .query(({ ctx, input }) => ctx.services.payments.listMethods(ctx.actor, input)),
  createIntent: staffProcedure('payments.operate')
    .input(createIntentInput)
    .mutation(({ ctx, input }) => ctx.services.payments.createIntent(ctx.actor, input)),
  confirm: staffProcedure('payments.operate')
    .input(confirmInput)
    .mutation(({ ctx, input }) => ctx.services.payments.confirm(ctx.actor, input)),
  get: staffProcedure('payments.read')
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => ctx.services.payments.get(ctx.actor, input)),
  forBooking: staffProcedure('payments.read')
    .input(z.object({ bookingId: idSchema }))
    .query(({ ctx, input }) => ctx.services.payments.forBooking(ctx.actor, input.bookingId)),
  list: staffProcedure('payments.read')
    .input(
      z
        .object({
          status: z
            .enum(['PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED', 'CANCELED', 'REQUIRES_ACTION'])
            .optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .default({}),
    )
    .query(({ ctx, input }) => ctx.services.payments.list(ctx.actor, input)),
});

export const refundsRouter = router({
  request: staffProcedure('refunds.request')
    .input(requestRefundInput)
    .mutation(({ ctx, input }) => ctx.services.refunds.request(ctx.actor, input)),
  approve: staffProcedure('refunds.approve')
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => ctx.services.refunds.approve(ctx.actor, input)),
  reject: staffProcedure('refunds.approve')
    .input(z.object({ id: idSchema, note: z.string().trim().min(1, 'note is required').max(500) }))
    .mutation(({ ctx, input }) => ctx.services.refunds.reject(ctx.actor, input)),
  process: staffProcedure('refunds.process')
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => ctx.services.refunds.process(ctx.actor, input)),
  list: staffProcedure('payments.read')
    .input(
      z
        .object({
          status: z
            .enum(['REQUESTED', 'AWAITING_SECOND_APPROVAL', 'APPROVED', 'REJECTED', 'SUCCEEDED', 'FAILED', 'OPEN'])
            .optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .default({}),
    )
    .query(({ ctx, input }) => ctx.services.refunds.list(ctx.actor, input)),
});

export const operationsRouter = router({
  cancelPaid: staffProcedure('bookings.cancelPaid')
    .input(cancelPaidInput)
    .mutation(async ({ ctx, input }) => bookingDto(await ctx.services.payments.cancelPaid(ctx.actor, input))),
  mismatches: staffProcedure('payments.read')
    .input(z.object({ status: z.enum(['OPEN', 'RESOLVED']).optional() }).default({}))
    .query(({ ctx, input }) => ctx.services.reconciliation.list(ctx.actor, input)),
  resolveMismatch: staffProcedure('operations.manage')
    .input(z.object({ id: idSchema, resolution: z.string().trim().min(1, 'resolution is required').max(500) }))
    .mutation(({ ctx, input }) => ctx.services.reconciliation.resolve(ctx.actor, input)),
  reconcile: staffProcedure('operations.manage').mutation(({ ctx }) => ctx.services.reconciliation.run()),
  failedDeliveries: staffProcedure('payments.read').query(({ ctx }) => ctx.services.deliveries.failures(ctx.actor)),
  retryDelivery: staffProcedure('operations.manage')
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => ctx.services.deliveries.retry(ctx.actor, input)),
});

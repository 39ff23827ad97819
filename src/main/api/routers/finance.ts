import { PAYOUT_USE_CASES as F } from '../../services/payouts/specs';
import { router, useCaseProcedure } from '../trpc';

export const teachersRouter = router({
  connect: useCaseProcedure(F.connect).mutation(({ ctx, input }) =>
    ctx.services.teachers.connect.run(ctx.actor, input),
  ),
  payoutStatus: useCaseProcedure(F.payoutStatus).query(({ ctx, input }) =>
    ctx.services.teachers.payoutStatus.run(ctx.actor, input),
  ),
});

export const payoutsRouter = router({
  preview: useCaseProcedure(F.preview).query(({ ctx, input }) => ctx.services.payouts.preview.run(ctx.actor, input)),
  createRun: useCaseProcedure(F.createRun).mutation(({ ctx, input }) =>
    ctx.services.payouts.createRun.run(ctx.actor, input),
  ),
  approve: useCaseProcedure(F.approve).mutation(({ ctx, input }) => ctx.services.payouts.approve.run(ctx.actor, input)),
  discard: useCaseProcedure(F.discard).mutation(({ ctx, input }) => ctx.services.payouts.discard.run(ctx.actor, input)),
  send: useCaseProcedure(F.send).mutation(({ ctx, input }) => ctx.services.payouts.send.run(ctx.actor, input)),
  retry: useCaseProcedure(F.retry).mutation(({ ctx, input }) => ctx.services.payouts.retry.run(ctx.actor, input)),
  retryLine: useCaseProcedure(F.retryLine).mutation(({ ctx, input }) =>
    ctx.services.payouts.retryLine.run(ctx.actor, input),
  ),
  get: useCaseProcedure(F.get).query(({ ctx, input }) => ctx.services.payouts.get.run(ctx.actor, input)),
  list: useCaseProcedure(F.list).query(({ ctx, input }) => ctx.services.payouts.list.run(ctx.actor, input)),
});

export const ledgerRouter = router({
  balances: useCaseProcedure(F.balances).query(({ ctx, input }) => ctx.services.ledger.balances.run(ctx.actor, input)),
  lines: useCaseProcedure(F.accountLines).query(({ ctx, input }) =>
    ctx.services.ledger.accountLines.run(ctx.actor, input),
  ),
  series: useCaseProcedure(F.series).query(({ ctx, input }) => ctx.services.ledger.series.run(ctx.actor, input)),
  check: useCaseProcedure(F.check).query(({ ctx, input }) => ctx.services.ledger.check.run(ctx.actor, input)),
});

export const statementsRouter = router({
  get: useCaseProcedure(F.statement).query(({ ctx, input }) => ctx.services.statements.get.run(ctx.actor, input)),
});

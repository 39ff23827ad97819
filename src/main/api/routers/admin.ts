import { z } from 'zod';
import { revenueInput } from '../../services/reports';
import { settingsSchema } from '../../services/settings';
import { router, staffProcedure } from '../trpc';

export const settingsRouter = router({
  get: staffProcedure('settings.read').query(({ ctx }) => ctx.services.settings.get(ctx.actor)),
  update: staffProcedure('settings.write')
    .input(settingsSchema.partial())
    .mutation(({ ctx, input }) => ctx.services.settings.update(ctx.actor, input)),
});

export const reportsRouter = router({
  revenue: staffProcedure('reports.read')
    .input(revenueInput)
    .query(({ ctx, input }) => ctx.services.reports.revenue(ctx.actor, input)),
});

export const auditRouter = router({
  list: staffProcedure('audit.read')
    .input(
      z
        .object({
          entity: z.string().max(60).optional(),
          entityId: z.string().max(60).optional(),
          cursor: z.number().int().positive().optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .default({}),
    )
    .query(({ ctx, input }) => ctx.services.audit.list(ctx.actor, input)),
});

export const systemRouter = router({
  /** Which integrations are real and which sandboxed; credentials only masked. */
  integrations: staffProcedure('settings.read').query(({ ctx }) => ctx.integrations()),
});

import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import { AUDIT_USE_CASES } from '../../services/audit';
import { REPORT_USE_CASES } from '../../services/reports';
import { SETTINGS_USE_CASES } from '../../services/settings';
import { router, staffProcedure, useCaseProcedure } from '../trpc';

export const settingsRouter = router({
  get: useCaseProcedure(SETTINGS_USE_CASES.get).query(({ ctx, input }) =>
    ctx.services.settings.get.run(ctx.actor, input),
  ),
  update: useCaseProcedure(SETTINGS_USE_CASES.update).mutation(({ ctx, input }) =>
    ctx.services.settings.update.run(ctx.actor, input),
  ),
});

export const reportsRouter = router({
  revenue: useCaseProcedure(REPORT_USE_CASES.revenue).query(({ ctx, input }) =>
    ctx.services.reports.revenue.run(ctx.actor, input),
  ),
});

export const auditRouter = router({
  list: useCaseProcedure(AUDIT_USE_CASES.list).query(({ ctx, input }) => ctx.services.audit.list.run(ctx.actor, input)),
});

const credentialsInput = z
  .object({
    stripeSecretKey: z
      .string()
      .trim()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret key (sk_test_… or sk_live_…)'),
    stripeWebhookSecret: z
      .string()
      .trim()
      .regex(/^whsec_[A-Za-z0-9]+$/, 'must be a webhook signing secret (whsec_…)'),
    zoomAccountId: z.string().trim().min(1).max(100),
    zoomClientId: z.string().trim().min(1).max(100),
    zoomClientSecret: z.string().trim().min(1).max(200),
    smtpUrl: z
      .string()
      .trim()
      .regex(/^smtps?:\/\/\S+$/, 'must start with smtp:// or smtps://'),
    mailFrom: z.string().trim().min(3).max(200),
  })
  .partial();

export const systemRouter = router({
  /** Desktop only: stored encrypted with the OS keychain, used from the next start, never echoed back. */
  saveCredentials: staffProcedure('settings.write')
    .input(credentialsInput)
    .mutation(async ({ ctx, input }) => {
      if (!ctx.saveCredentials) {
        throw new DomainError(
          'GUARD_FAILED',
          'This console runs on the headless host, which reads credentials from its environment (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, SMTP_URL, MAIL_FROM); set them there and restart it.',
        );
      }
      const fields = Object.keys(input).filter((key) => input[key as keyof typeof input]);
      if (fields.length === 0) throw new DomainError('VALIDATION', 'Enter at least one credential to save');
      ctx.saveCredentials(input);
      await ctx.services.audit.record(ctx.actor, 'credentials.update', 'Settings', 'credentials', { fields });
      return { saved: fields, takesEffect: 'at the next start' };
    }),
  /** Which integrations are real and which sandboxed; credentials only masked. */
  integrations: staffProcedure('settings.read').query(({ ctx }) => ctx.integrations()),
});

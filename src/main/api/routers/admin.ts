import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import { AUDIT_USE_CASES } from '../../services/audit';
import { REPORT_USE_CASES } from '../../services/reports';
import { SETTINGS_USE_CASES } from '../../services/settings';
import { textSchema } from '../../../shared/schemas';
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
  actors: useCaseProcedure(AUDIT_USE_CASES.actors).query(({ ctx, input }) =>
    ctx.services.audit.actors.run(ctx.actor, input),
  ),
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
    zoomAccountId: textSchema(100),
    zoomClientId: textSchema(100),
    zoomClientSecret: textSchema(200),
    smtpUrl: z
      .string()
      .trim()
      .regex(/^smtps?:\/\/\S+$/, 'must start with smtp:// or smtps://'),
    mailFrom: textSchema(200).min(3),
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
  /** Which integrations are real and which sandboxed; credentials only masked — still secrets (R32, R34). */
  integrations: staffProcedure('secrets.read').query(({ ctx }) => ctx.integrations()),
  /**
   * Where Stripe's dashboard shows this deployment's payments, or null in the local sandbox (its
   * ids mean nothing at Stripe): the console links payment and refund ids there only then. It
   * tells nothing secret — only whether the key is a live or a test one.
   */
  stripeDashboard: staffProcedure('payments.read').query(({ ctx }) => {
    const stripe = ctx.integrations().find((integration) => integration.name === 'stripe');
    if (!stripe || stripe.mode !== 'real Stripe') return { url: null };
    const live = stripe.credential?.startsWith('sk_live_') || stripe.credential?.startsWith('rk_live_');
    return { url: live ? 'https://dashboard.stripe.com' : 'https://dashboard.stripe.com/test' };
  }),
});

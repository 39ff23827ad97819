import { z } from 'zod';
import { PAYOUT_RUN_STATUSES } from '../../domain/payout-machine';
import { currencySchema, idSchema, instantSchema, reasonSchema } from '../../../shared/schemas';
import { spec } from '../use-case';

/** The finance use cases' contracts (R40–R47): the router validates and authorizes with these. */
export const PAYOUT_USE_CASES = {
  connect: spec(
    'teachers.connect',
    'payouts.manage',
    z.object({
      teacherId: idSchema,
      stripeAccountId: z
        .string()
        .regex(/^acct_[A-Za-z0-9]+$/, 'must be a Stripe account id (acct_…)')
        .max(255)
        .optional(),
    }),
  ),
  payoutStatus: spec('teachers.payoutStatus', 'payouts.read', z.object({ teacherId: idSchema })),
  preview: spec('payouts.preview', 'payouts.read', z.object({ currency: currencySchema, cutoff: instantSchema })),
  createRun: spec('payouts.createRun', 'payouts.manage', z.object({ currency: currencySchema, cutoff: instantSchema })),
  approve: spec('payouts.approve', 'payouts.manage', z.object({ id: idSchema })),
  discard: spec('payouts.discard', 'payouts.manage', z.object({ id: idSchema, reason: reasonSchema })),
  send: spec('payouts.send', 'payouts.manage', z.object({ id: idSchema })),
  retryLine: spec('payouts.retryLine', 'payouts.manage', z.object({ lineId: idSchema })),
  retry: spec('payouts.retry', 'payouts.manage', z.object({ id: idSchema })),
  get: spec('payouts.get', 'payouts.read', z.object({ id: idSchema })),
  list: spec(
    'payouts.list',
    'payouts.read',
    z.object({
      status: z.enum(PAYOUT_RUN_STATUSES).optional(),
      cursor: idSchema.optional(),
      limit: z.number().int().min(1).max(200).optional(),
    }),
  ),
  balances: spec('ledger.balances', 'payouts.read', z.object({ currency: currencySchema })),
  accountLines: spec(
    'ledger.lines',
    'payouts.read',
    z.object({
      account: z
        .string()
        .regex(/^(stripe_balance|platform_revenue|refunds|teacher_payable:\d{1,10})$/, 'must be a ledger account'),
      currency: currencySchema,
      cursor: idSchema.optional(),
      limit: z.number().int().min(1).max(500).optional(),
    }),
  ),
  series: spec(
    'ledger.series',
    'payouts.read',
    z.object({
      currency: currencySchema,
      from: instantSchema,
      to: instantSchema,
      bucket: z.enum(['day', 'week', 'month']).optional(),
    }),
  ),
  check: spec('ledger.check', 'payouts.read', z.object({}).optional()),
  statement: spec(
    'statements.get',
    'payouts.read',
    z.object({ teacherId: idSchema, currency: currencySchema, from: instantSchema, to: instantSchema }),
  ),
};

import { z } from 'zod';
import { REFUND_STATUSES } from '../../domain/refund-machine';
import { idSchema, reasonSchema } from '../../../shared/schemas';
import { spec } from '../use-case';

/** The refund use cases' contracts (R24, R27): the router and the API validate and authorize with these. */
export const REFUND_USE_CASES = {
  request: spec(
    'refunds.request',
    'refunds.request',
    z.object({
      paymentId: idSchema,
      amountMinor: z
        .number({ error: 'amountMinor must be a number' })
        .int('amountMinor must be a whole number of minor units')
        .positive('amountMinor must be positive')
        .max(Number.MAX_SAFE_INTEGER, 'amountMinor is too large'),
      reason: reasonSchema,
    }),
  ),
  approve: spec('refunds.approve', 'refunds.approve', z.object({ id: idSchema })),
  reject: spec('refunds.reject', 'refunds.approve', z.object({ id: idSchema, note: reasonSchema })),
  /** Sends an approved request whose answer was lost, or retries a failed one as a new refund (R27). */
  process: spec('refunds.process', 'refunds.process', z.object({ id: idSchema })),
  list: spec(
    'refunds.list',
    'payments.read',
    z.object({
      status: z.enum([...REFUND_STATUSES, 'OPEN']).optional(),
      cursor: idSchema.optional(),
      limit: z.number().int().min(1).max(200).optional(),
    }),
  ),
};

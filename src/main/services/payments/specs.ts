import { z } from 'zod';
import { idSchema, textSchema } from '../../../shared/schemas';
import { spec } from '../use-case';

const paymentMethodId = z
  .string({ error: 'must be a Stripe payment method id (pm_…)' })
  .regex(/^pm_[A-Za-z0-9_]+$/, 'must be a Stripe payment method id (pm_…)')
  .max(255);

export const PAYMENT_LIST_STATUSES = [
  'PENDING',
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'FAILED',
  'CANCELED',
  'REQUIRES_ACTION',
] as const;

/** The payment use cases' contracts: the router and the API validate and authorize with these. */
export const PAYMENT_USE_CASES = {
  attachMethod: spec('payments.attachMethod', 'payments.operate', z.object({ studentId: idSchema, paymentMethodId })),
  listMethods: spec('payments.listMethods', 'payments.read', z.object({ studentId: idSchema })),
  createIntent: spec(
    'payments.createIntent',
    'payments.operate',
    z.object({ bookingId: idSchema, paymentMethodId: paymentMethodId.optional() }),
  ),
  confirm: spec(
    'payments.confirm',
    'payments.operate',
    z.object({
      paymentIntentId: z
        .string({ error: 'must be a Stripe payment intent id (pi_…)' })
        .regex(/^pi_[A-Za-z0-9]+$/, 'must be a Stripe payment intent id (pi_…)')
        .max(255),
      paymentMethodId: paymentMethodId.optional(),
    }),
  ),
  get: spec('payments.get', 'payments.read', z.object({ id: idSchema })),
  forBooking: spec('payments.forBooking', 'payments.read', z.object({ bookingId: idSchema })),
  list: spec(
    'payments.list',
    'payments.read',
    z.object({
      status: z.enum(PAYMENT_LIST_STATUSES).optional(),
      /** Name or email of the student or teacher, "#id" of the payment or booking, or a pi_ id. */
      search: textSchema(200, { required: false }).optional(),
      cursor: idSchema.optional(),
      limit: z.number().int().min(1).max(200).optional(),
    }),
  ),
};

import type { PaymentStatus } from '../../domain/states';
import type { NewLifecycleTransition, NewPayment, PaymentTransitionChanges } from '../../services/ports';
import { Prisma, type Payment } from '../generated/client.ts';
import { insertedFromJson, jsonRow, quotedColumns } from './json-rows';
import type { Db } from './prisma-types';
import { recordedLifecycle } from './transition-log-repository';

/**
 * A payment's writes with their transition record, one statement each (it was two statements and
 * two Prisma calls, three times per seed flow); see recordedLifecycle.
 */

const NEW_PAYMENT: Record<keyof NewPayment, string> = {
  bookingId: 'integer',
  amountMinor: 'integer',
  currency: 'text',
  idempotencyKey: 'text',
  status: '"PaymentStatus"',
  createdAt: 'timestamp(3)',
};

/** What a transition may change besides the status; a field left out of the changes keeps its value. */
const CHANGEABLE: Record<Exclude<keyof PaymentTransitionChanges, 'updatedAt'>, string> = {
  stripePaymentIntentId: 'text',
  idempotencyKey: 'text',
  intentAttempt: 'integer',
  intentSentAt: 'timestamp(3)',
  stripeStatus: 'text',
  stripeChargeId: 'text',
  lastError: 'text',
  refundedMinor: 'integer',
  paidAt: 'timestamp(3)',
};

const PAYMENT_FIELDS = Object.values(Prisma.PaymentScalarFieldEnum);
const RESULT = `SELECT ${quotedColumns(PAYMENT_FIELDS, 'written')} FROM written, recorded`;

const INSERT = `
WITH ${insertedFromJson('Payment', NEW_PAYMENT, PAYMENT_FIELDS)},
${recordedLifecycle('payment', '$2')}
${RESULT}`;

/** $1 id, $2 the version read, $3 the new status, $4 the changes (jsonRow: present keys only), $5 the record. */
const APPLY = `
WITH written AS (
  UPDATE "Payment" AS p SET
    "status" = $3::text::"PaymentStatus",
    "version" = p."version" + 1,
    "updatedAt" = ($4::jsonb ->> 'updatedAt')::timestamp(3),
    ${Object.entries(CHANGEABLE)
      .map(
        ([name, type]) =>
          `"${name}" = CASE WHEN $4::jsonb ? '${name}' THEN ($4::jsonb ->> '${name}')::${type} ELSE p."${name}" END`,
      )
      .join(',\n    ')}
  WHERE p."id" = $1::int AND p."version" = $2::int
  RETURNING ${quotedColumns(PAYMENT_FIELDS, 'p')}
),
${recordedLifecycle('payment', '$5')}
${RESULT}`;

export async function insertPayment(db: Db, input: NewPayment, transition: NewLifecycleTransition): Promise<Payment> {
  const [row] = await db.$queryRawUnsafe<Payment[]>(INSERT, jsonRow(input), jsonRow(transition));
  if (!row) throw new Error('The payment was not written');
  return row;
}

/** null: the payment is not at `expectedVersion` any more (nothing written). */
export async function applyPaymentTransition(
  db: Db,
  id: number,
  expectedVersion: number,
  to: PaymentStatus,
  changes: PaymentTransitionChanges,
  transition: NewLifecycleTransition,
): Promise<Payment | null> {
  const [row] = await db.$queryRawUnsafe<Payment[]>(
    APPLY,
    id,
    expectedVersion,
    to,
    jsonRow(changes),
    jsonRow(transition),
  );
  return row ?? null;
}

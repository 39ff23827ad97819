import type { PaymentStatus } from '../../domain/states';
import type {
  NewLifecycleTransition,
  NewPayment,
  PaymentStripeFacts,
  PaymentTransitionChanges,
} from '../../services/ports';
import type { DirectQuery } from '../database';
import { Prisma, type Payment } from '../generated/client.ts';
import { changedColumns, insertedFromJson, jsonRow, quotedColumns, utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';
import { runStatement } from './statement';
import { recordedLifecycle, versionedTransition } from './transition-log-repository';

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

/** What Stripe told us or what we told Stripe, recorded without a transition. */
const STRIPE_FACTS: Record<keyof PaymentStripeFacts, string> = {
  stripePaymentIntentId: 'text',
  idempotencyKey: 'text',
  intentAttempt: 'integer',
  intentSentAt: 'timestamp(3)',
  stripeStatus: 'text',
  stripeChargeId: 'text',
  lastError: 'text',
};

/** What a transition may change besides the status; a field left out of the changes keeps its value. */
const CHANGEABLE: Record<Exclude<keyof PaymentTransitionChanges, 'updatedAt'>, string> = {
  ...STRIPE_FACTS,
  refundedMinor: 'integer',
  paidAt: 'timestamp(3)',
};

const PAYMENT_FIELDS = Object.values(Prisma.PaymentScalarFieldEnum);
const RESULT = `SELECT ${quotedColumns(PAYMENT_FIELDS, 'written')} FROM written, recorded`;

const INSERT = `
WITH ${insertedFromJson('Payment', NEW_PAYMENT, PAYMENT_FIELDS)},
${recordedLifecycle('payment', '$2')}
${RESULT}`;

const APPLY = versionedTransition('Payment', 'PaymentStatus', CHANGEABLE, PAYMENT_FIELDS, 'payment');

/** $1 id, $2 the facts (jsonRow: present keys only), $3 when. No transition: status and version stay. */
const RECORD_FACTS = `
UPDATE "Payment" AS p SET
    "updatedAt" = $3::timestamp(3),
    ${changedColumns(STRIPE_FACTS, '$2', 'p')}
WHERE p."id" = $1::int
RETURNING ${quotedColumns(PAYMENT_FIELDS, 'p')}`;

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

/**
 * Stripe's facts about a payment, outside a transaction through the driver (`direct`; one fixed
 * statement, prepared once): the intent's creation records two per seed flow.
 */
export async function recordPaymentFacts(
  db: Db,
  direct: DirectQuery | undefined,
  id: number,
  facts: PaymentStripeFacts,
  at: Date,
): Promise<Payment> {
  const [row] = await runStatement<Payment>(db, direct, RECORD_FACTS, [id, jsonRow(facts), utcTimestamp(at)], true);
  if (!row) throw new Error(`Payment ${id} does not exist`);
  return row;
}

-- Issue 7: separate status enums for bookings and payments, refund outcomes (R27), per-attempt
-- idempotency keys (R28), and one append-only transition log for payments and refund requests.

-- A booking's payment status gets its own enum (a booking never takes CANCELED; a payment never
-- takes UNPAID). Columns are converted in place, so existing rows keep their values.
CREATE TYPE "BookingPaymentStatus" AS ENUM ('UNPAID', 'PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED');

ALTER TABLE "Booking"
  ALTER COLUMN "paymentStatus" TYPE "BookingPaymentStatus" USING ("paymentStatus"::text::"BookingPaymentStatus");

ALTER TABLE "BookingTransition"
  ALTER COLUMN "fromPaymentStatus" TYPE "BookingPaymentStatus" USING ("fromPaymentStatus"::text::"BookingPaymentStatus"),
  ALTER COLUMN "toPaymentStatus" TYPE "BookingPaymentStatus" USING ("toPaymentStatus"::text::"BookingPaymentStatus");

CREATE TYPE "PaymentStatus_new" AS ENUM ('PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED', 'CANCELED');
ALTER TABLE "Payment" ALTER COLUMN "status" TYPE "PaymentStatus_new" USING ("status"::text::"PaymentStatus_new");
ALTER TYPE "PaymentStatus" RENAME TO "PaymentStatus_old";
ALTER TYPE "PaymentStatus_new" RENAME TO "PaymentStatus";
DROP TYPE "public"."PaymentStatus_old";

-- R27: accepted by Stripe but not yet refunded.
ALTER TYPE "RefundStatus" ADD VALUE 'PENDING';

-- R28: each attempt has its own key; a sent attempt without a recorded answer is looked up first.
ALTER TABLE "Payment" ADD COLUMN "intentAttempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "intentSentAt" TIMESTAMP(3);

ALTER TABLE "RefundRequest" ADD COLUMN "attempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "failureReason" TEXT,
ADD COLUMN "submittedAt" TIMESTAMP(3);

-- Keys of requests made before attempts existed end in ":refund"; they are attempt 1 of the same key.

CREATE TABLE "LifecycleTransition" (
    "id" SERIAL NOT NULL,
    "aggregate" TEXT NOT NULL,
    "aggregateId" INTEGER NOT NULL,
    "bookingId" INTEGER,
    "action" TEXT NOT NULL,
    "fromState" TEXT,
    "toState" TEXT NOT NULL,
    "actorKind" "ActorKind" NOT NULL,
    "actorId" INTEGER,
    "actorRole" TEXT NOT NULL,
    "reason" TEXT,
    "data" JSONB,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LifecycleTransition_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "LifecycleTransition_aggregate_aggregateId_id_idx" ON "LifecycleTransition"("aggregate", "aggregateId", "id");
CREATE INDEX "LifecycleTransition_bookingId_id_idx" ON "LifecycleTransition"("bookingId", "id");

-- Like BookingTransition: what happened is never edited or removed.
CREATE FUNCTION "lifecycle_transition_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LifecycleTransition rows are append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER "LifecycleTransition_append_only"
  BEFORE UPDATE OR DELETE ON "LifecycleTransition"
  FOR EACH ROW EXECUTE FUNCTION "lifecycle_transition_append_only"();

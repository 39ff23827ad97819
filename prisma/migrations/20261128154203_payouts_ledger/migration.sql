-- CreateEnum
CREATE TYPE "PayoutRunStatus" AS ENUM ('DRAFT', 'APPROVED', 'SENDING', 'SENT', 'PARTIALLY_FAILED', 'DISCARDED');

-- CreateEnum
CREATE TYPE "PayoutLineStatus" AS ENUM ('READY', 'HELD', 'SENDING', 'SENT', 'FAILED');

-- AlterTable
ALTER TABLE "ReconciliationMismatch" ALTER COLUMN "paymentId" DROP NOT NULL,
ALTER COLUMN "bookingId" DROP NOT NULL,
ADD COLUMN     "payoutLineId" INTEGER,
ADD COLUMN     "payoutRunId" INTEGER;

-- AlterTable
ALTER TABLE "Teacher" ADD COLUMN     "payoutsEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "stripeAccountId" TEXT,
ADD COLUMN     "transfersActive" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "PayoutRun" (
    "id" SERIAL NOT NULL,
    "currency" TEXT NOT NULL,
    "cutoff" TIMESTAMP(3) NOT NULL,
    "status" "PayoutRunStatus" NOT NULL,
    "createdById" INTEGER NOT NULL,
    "approvedById" INTEGER,
    "discardReason" TEXT,
    "totalMinor" INTEGER NOT NULL,
    "heldMinor" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PayoutRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PayoutLine" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "teacherId" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "sessionsMinor" INTEGER NOT NULL,
    "refundsMinor" INTEGER NOT NULL,
    "carriedMinor" INTEGER NOT NULL,
    "netMinor" INTEGER NOT NULL,
    "status" "PayoutLineStatus" NOT NULL,
    "heldReason" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "idempotencyKey" TEXT NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "stripeTransferId" TEXT,
    "error" TEXT,
    "sentAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PayoutLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PayoutItem" (
    "id" SERIAL NOT NULL,
    "lineId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "bookingId" INTEGER,
    "refundRequestId" INTEGER,
    "amountMinor" INTEGER NOT NULL,
    "refundedMinor" INTEGER NOT NULL DEFAULT 0,
    "claimKey" TEXT,

    CONSTRAINT "PayoutItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TransferReversal" (
    "id" SERIAL NOT NULL,
    "refundRequestId" INTEGER NOT NULL,
    "payoutLineId" INTEGER NOT NULL,
    "stripeTransferId" TEXT,
    "teacherId" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "stripeReversalId" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TransferReversal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "bookingId" INTEGER,
    "paymentId" INTEGER,
    "refundRequestId" INTEGER,
    "payoutLineId" INTEGER,
    "transferReversalId" INTEGER,
    "teacherId" INTEGER,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerLine" (
    "id" SERIAL NOT NULL,
    "entryId" INTEGER NOT NULL,
    "account" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "amountMinor" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LedgerLine_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PayoutRun_status_id_idx" ON "PayoutRun"("status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PayoutLine_idempotencyKey_key" ON "PayoutLine"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "PayoutLine_stripeTransferId_key" ON "PayoutLine"("stripeTransferId");

-- CreateIndex
CREATE INDEX "PayoutLine_runId_idx" ON "PayoutLine"("runId");

-- CreateIndex
CREATE INDEX "PayoutLine_teacherId_status_idx" ON "PayoutLine"("teacherId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "PayoutItem_claimKey_key" ON "PayoutItem"("claimKey");

-- CreateIndex
CREATE INDEX "PayoutItem_lineId_idx" ON "PayoutItem"("lineId");

-- CreateIndex
CREATE INDEX "PayoutItem_bookingId_idx" ON "PayoutItem"("bookingId");

-- CreateIndex
CREATE UNIQUE INDEX "TransferReversal_refundRequestId_key" ON "TransferReversal"("refundRequestId");

-- CreateIndex
CREATE UNIQUE INDEX "TransferReversal_idempotencyKey_key" ON "TransferReversal"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "TransferReversal_stripeReversalId_key" ON "TransferReversal"("stripeReversalId");

-- CreateIndex
CREATE INDEX "TransferReversal_payoutLineId_idx" ON "TransferReversal"("payoutLineId");

-- CreateIndex
CREATE INDEX "TransferReversal_status_idx" ON "TransferReversal"("status");

-- CreateIndex
CREATE INDEX "LedgerEntry_bookingId_idx" ON "LedgerEntry"("bookingId");

-- CreateIndex
CREATE INDEX "LedgerEntry_refundRequestId_idx" ON "LedgerEntry"("refundRequestId");

-- CreateIndex
CREATE INDEX "LedgerEntry_teacherId_at_idx" ON "LedgerEntry"("teacherId", "at");

-- CreateIndex
CREATE INDEX "LedgerEntry_currency_at_idx" ON "LedgerEntry"("currency", "at");

-- CreateIndex
CREATE INDEX "LedgerLine_account_currency_at_idx" ON "LedgerLine"("account", "currency", "at");

-- CreateIndex
CREATE INDEX "LedgerLine_entryId_idx" ON "LedgerLine"("entryId");

-- CreateIndex
CREATE UNIQUE INDEX "Teacher_stripeAccountId_key" ON "Teacher"("stripeAccountId");

-- AddForeignKey
ALTER TABLE "PayoutLine" ADD CONSTRAINT "PayoutLine_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PayoutRun"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PayoutItem" ADD CONSTRAINT "PayoutItem_lineId_fkey" FOREIGN KEY ("lineId") REFERENCES "PayoutLine"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerLine" ADD CONSTRAINT "LedgerLine_entryId_fkey" FOREIGN KEY ("entryId") REFERENCES "LedgerEntry"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Ledger lines and entries are never edited or removed (like BookingTransition).
CREATE FUNCTION "ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER "LedgerEntry_append_only" BEFORE UPDATE OR DELETE ON "LedgerEntry"
  FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();
CREATE TRIGGER "LedgerLine_append_only" BEFORE UPDATE OR DELETE ON "LedgerLine"
  FOR EACH ROW EXECUTE FUNCTION "ledger_append_only"();

-- Back-fill (R40, R41): replay the money that already moved, so an existing database gets a correct
-- ledger. Each payment that succeeded (and still counts) posts stripe_balance +total,
-- teacher_payable −base, platform_revenue −fee; what it has refunded posts one refund entry split by
-- R41 on the amount refunded so far (roundHalfUp(refunded × base / total) for the teacher), which is
-- exactly the sum of the per-refund splits the running system posts. Only payments without entries
-- are replayed, so the function may run again (the demo generator calls it after writing history).
CREATE FUNCTION "ledger_backfill"() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  posted integer := 0;
  n integer;
BEGIN
  WITH entries AS (
    INSERT INTO "LedgerEntry" (kind, currency, "bookingId", "paymentId", "teacherId", at)
    SELECT 'payment_succeeded', p.currency, p."bookingId", p.id, b."teacherId", COALESCE(p."paidAt", p."createdAt")
    FROM "Payment" p JOIN "Booking" b ON b.id = p."bookingId"
    WHERE p.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')
      AND NOT EXISTS (SELECT 1 FROM "LedgerEntry" x WHERE x."paymentId" = p.id AND x.kind = 'payment_succeeded')
    RETURNING id, "paymentId", currency, at
  )
  INSERT INTO "LedgerLine" ("entryId", account, currency, "amountMinor", at)
  SELECT e.id, x.account, e.currency, x.amount, e.at
  FROM entries e
  JOIN "Payment" p ON p.id = e."paymentId"
  JOIN "Booking" b ON b.id = p."bookingId"
  CROSS JOIN LATERAL (VALUES
    ('stripe_balance', p."amountMinor"),
    ('teacher_payable:' || b."teacherId", -b."baseMinor"),
    ('platform_revenue', -b."feeMinor")
  ) AS x(account, amount);
  GET DIAGNOSTICS n = ROW_COUNT;
  posted := posted + n;

  WITH entries AS (
    INSERT INTO "LedgerEntry" (kind, currency, "bookingId", "paymentId", "teacherId", at)
    SELECT 'refund_succeeded', p.currency, p."bookingId", p.id, b."teacherId", p."updatedAt"
    FROM "Payment" p JOIN "Booking" b ON b.id = p."bookingId"
    WHERE p.status IN ('PARTIALLY_REFUNDED', 'REFUNDED') AND p."refundedMinor" > 0
      AND NOT EXISTS (
        SELECT 1 FROM "LedgerEntry" x WHERE x."paymentId" = p.id AND x.kind IN ('refund_succeeded', 'refund_failed')
      )
    RETURNING id, "paymentId", currency, at
  )
  INSERT INTO "LedgerLine" ("entryId", account, currency, "amountMinor", at)
  SELECT e.id, x.account, e.currency, x.amount, e.at
  FROM entries e
  JOIN "Payment" p ON p.id = e."paymentId"
  JOIN "Booking" b ON b.id = p."bookingId"
  CROSS JOIN LATERAL (
    SELECT ((p."refundedMinor"::bigint * b."baseMinor" * 2 + b."totalMinor") / (b."totalMinor"::bigint * 2))::int AS teacher_part
  ) AS split
  CROSS JOIN LATERAL (VALUES
    ('stripe_balance', -p."refundedMinor"),
    ('teacher_payable:' || b."teacherId", split.teacher_part),
    ('refunds', p."refundedMinor" - split.teacher_part)
  ) AS x(account, amount);
  GET DIAGNOSTICS n = ROW_COUNT;
  posted := posted + n;
  RETURN posted;
END;
$$;

SELECT "ledger_backfill"();

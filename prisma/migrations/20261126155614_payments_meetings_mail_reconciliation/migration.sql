-- CreateEnum
CREATE TYPE "MismatchStatus" AS ENUM ('OPEN', 'RESOLVED');

-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "lockedUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "paidAt" TIMESTAMP(3),
ADD COLUMN     "stripeChargeId" TEXT,
ADD COLUMN     "stripeStatus" TEXT;

-- AlterTable
ALTER TABLE "PaymentAttempt" ADD COLUMN     "completedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "RefundRequest" ADD COLUMN     "processedAt" TIMESTAMP(3),
ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'console';

-- CreateTable
CREATE TABLE "Meeting" (
    "id" SERIAL NOT NULL,
    "bookingId" INTEGER NOT NULL,
    "zoomMeetingId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "minutes" INTEGER NOT NULL,
    "timezone" TEXT NOT NULL,
    "joinUrl" TEXT NOT NULL,
    "startUrl" TEXT NOT NULL,
    "password" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Meeting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SentEmail" (
    "id" SERIAL NOT NULL,
    "outboxKey" TEXT NOT NULL,
    "bookingId" INTEGER,
    "template" TEXT NOT NULL,
    "recipientRole" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SentEmail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconciliationMismatch" (
    "id" SERIAL NOT NULL,
    "paymentId" INTEGER NOT NULL,
    "bookingId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "localState" TEXT NOT NULL,
    "stripeState" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "status" "MismatchStatus" NOT NULL DEFAULT 'OPEN',
    "openKey" TEXT,
    "detectedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "resolvedById" INTEGER,
    "resolution" TEXT,

    CONSTRAINT "ReconciliationMismatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Meeting_bookingId_key" ON "Meeting"("bookingId");

-- CreateIndex
CREATE UNIQUE INDEX "SentEmail_outboxKey_key" ON "SentEmail"("outboxKey");

-- CreateIndex
CREATE INDEX "SentEmail_bookingId_idx" ON "SentEmail"("bookingId");

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationMismatch_openKey_key" ON "ReconciliationMismatch"("openKey");

-- CreateIndex
CREATE INDEX "ReconciliationMismatch_status_detectedAt_idx" ON "ReconciliationMismatch"("status", "detectedAt");

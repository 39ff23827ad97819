-- CreateEnum
CREATE TYPE "RescheduleRequestStatus" AS ENUM ('REQUESTED', 'ACCEPTED', 'DECLINED', 'EXPIRED');

-- AlterTable
ALTER TABLE "Booking" ADD COLUMN     "rescheduleCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "BookingTransition" ADD COLUMN     "fromStartsAt" TIMESTAMP(3),
ADD COLUMN     "toStartsAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "RescheduleRequest" (
    "id" SERIAL NOT NULL,
    "bookingId" INTEGER NOT NULL,
    "requestedByKind" "ActorKind" NOT NULL,
    "requestedById" INTEGER NOT NULL,
    "fromStartsAt" TIMESTAMP(3) NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "RescheduleRequestStatus" NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "answeredByKind" "ActorKind",
    "answeredById" INTEGER,
    "answerReason" TEXT,
    "answeredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RescheduleRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RescheduleRequest_bookingId_id_idx" ON "RescheduleRequest"("bookingId", "id");

-- CreateIndex
CREATE INDEX "RescheduleRequest_status_expiresAt_idx" ON "RescheduleRequest"("status", "expiresAt");

-- AddForeignKey
ALTER TABLE "RescheduleRequest" ADD CONSTRAINT "RescheduleRequest_bookingId_fkey" FOREIGN KEY ("bookingId") REFERENCES "Booking"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- At most one open request per booking (R51): the answer closes it before another may be made.
CREATE UNIQUE INDEX "RescheduleRequest_one_open_per_booking" ON "RescheduleRequest"("bookingId") WHERE status = 'REQUESTED';

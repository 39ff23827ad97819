import type { BookingContext, DeliveryStore, MeetingRecord, SentEmailRecord } from '../../services/ports';
import type { DirectQuery } from '../database';
import { Prisma, type Booking } from '../generated/client.ts';
import { columnList } from './columns';
import { toBookingRecord } from './booking-repository';
import { jsonRows, utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

/**
 * Emails as sent from the JSON parameter `param` (jsonRows), once per outbox row (ON CONFLICT DO
 * NOTHING, as createMany's skipDuplicates): a statement, or a CTE's body (the outbox's settle).
 */
export const recordEmails = (param: string): string => `
INSERT INTO "SentEmail" ("outboxKey", "bookingId", "template", "recipientRole", "recipient", "subject", "messageId", "sentAt")
SELECT e."outboxKey", e."bookingId", e.template, e."recipientRole", e.recipient, e.subject, e."messageId", e."sentAt"
FROM jsonb_to_recordset(${param}::jsonb) AS e(
  "outboxKey" text, "bookingId" integer, template text, "recipientRole" text, recipient text, subject text,
  "messageId" text, "sentAt" timestamp(3)
)
ON CONFLICT DO NOTHING`;
const RECORD_EMAIL = recordEmails('$1');

type ContextRow = Booking & {
  student_name: string;
  student_email: string;
  student_timezone: string;
  teacher_name: string;
  teacher_email: string;
  teacher_timezone: string;
  gig_title: string;
  gig_language: string;
  meeting_join_url: string | null;
  meeting_deleted_at: Date | null;
};

/** The booking with its parties, gig and meeting; columns by name, as it runs prepared (columns.ts). */
const CONTEXT_SQL = `
SELECT ${columnList(Prisma.BookingScalarFieldEnum, 'b')},
       s.name AS student_name, s.email AS student_email, s.timezone AS student_timezone,
       t.name AS teacher_name, t.email AS teacher_email, t.timezone AS teacher_timezone,
       g.title AS gig_title, g.language AS gig_language,
       m."joinUrl" AS meeting_join_url, m."deletedAt" AS meeting_deleted_at
FROM "Booking" b
JOIN "Student" s ON s.id = b."studentId"
JOIN "Teacher" t ON t.id = b."teacherId"
JOIN "Gig" g ON g.id = b."gigId"
LEFT JOIN "Meeting" m ON m."bookingId" = b.id
WHERE b.id = $1::int`;

const FIND_MEETING = `SELECT ${columnList(Prisma.MeetingScalarFieldEnum)} FROM "Meeting" WHERE "bookingId" = $1`;
/** SQL: it runs in a transaction (on the driver, sql-transaction.ts). A repeat keeps the first deletion's time. */
const MARK_MEETING_DELETED =
  'UPDATE "Meeting" SET "deletedAt" = $2::timestamp(3) WHERE "bookingId" = $1::int AND "deletedAt" IS NULL';

/** What the outbox delivered: each booking's Zoom meeting and the emails sent about it. */
export class PrismaDeliveryRepository implements DeliveryStore {
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}
  async bookingContext(bookingId: number): Promise<BookingContext | null> {
    // Read by the outbox before every delivery: straight through the driver when outside a transaction.
    const [row] = await runStatement<ContextRow>(this.db, this.direct, CONTEXT_SQL, [bookingId], true);
    if (!row) return null;
    return {
      booking: toBookingRecord(row),
      student: { name: row.student_name, email: row.student_email, timezone: row.student_timezone },
      teacher: { name: row.teacher_name, email: row.teacher_email, timezone: row.teacher_timezone },
      gig: { title: row.gig_title, language: row.gig_language },
      meeting:
        row.meeting_join_url === null ? null : { joinUrl: row.meeting_join_url, deletedAt: row.meeting_deleted_at },
    };
  }
  async findMeeting(bookingId: number): Promise<MeetingRecord | null> {
    const [row] = await runStatement<MeetingRecord>(this.db, this.direct, FIND_MEETING, [bookingId], true);
    return row ?? null;
  }
  async markMeetingDeleted(bookingId: number, at: Date): Promise<void> {
    await this.db.$executeRawUnsafe(MARK_MEETING_DELETED, bookingId, utcTimestamp(at));
  }
  async recordEmail(email: SentEmailRecord): Promise<void> {
    // A repeat of the same outbox row records nothing new.
    await this.db.$executeRawUnsafe(RECORD_EMAIL, jsonRows([email]));
  }
  emails(bookingId: number): Promise<SentEmailRecord[]> {
    return this.db.sentEmail.findMany({ where: { bookingId }, orderBy: { id: 'asc' } });
  }
}

import type { AuditDraft, AuditQuery, AuditRecord, AuditStore } from '../../services/ports';
import { auditInsert, auditRows, type PendingWrites } from './pending-writes';
import type { Db } from './prisma-types';

/** Positional parameters for SQL built from optional filters. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    // Dates travel as UTC ISO text: a `timestamp` column ignores the zone, and we store UTC.
    this.values.push(value instanceof Date ? value.toISOString() : value);
    return `$${this.values.length}::${cast}`;
  }
}

/**
 * The ids of the entries about one of `ids` (a sub-select of row ids) of `entity`. Entity ids are
 * stored as text; each branch is a semi-join the (entity, entityId) index answers.
 */
const about = (entity: string, ids: string) =>
  `SELECT x.id FROM "AuditLog" x WHERE x.entity = '${entity}' AND x."entityId" IN (SELECT y.id::text FROM (${ids}) y)`;

/** A booking's history: its own entries, its payments' and its refund requests'. */
function bookingHistory(bookings: string): string[] {
  const payments = `SELECT p.id FROM "Payment" p WHERE p."bookingId" IN (${bookings})`;
  return [
    about('Booking', bookings),
    about('Payment', payments),
    about('RefundRequest', `SELECT r.id FROM "RefundRequest" r WHERE r."paymentId" IN (${payments})`),
  ];
}

/** Entries whose id is one of the branches' (a union, so each branch keeps its index, unlike an OR). */
const anyOf = (branches: readonly string[]) => `a.id IN (${branches.join(' UNION ALL ')})`;

// Entity ids that name a row of a table with a 32-bit serial key (anything else, e.g. "global", names none).
const NUMERIC_ID = `a."entityId" ~ '^[0-9]{1,9}$'`;

/** The SQL of `list()`: exported for tests and benchmarks that want to see the plan. */
export function auditListSql(query: AuditQuery): { text: string; values: unknown[] } {
  const params = new Params();
  const where: string[] = [];
  if (query.entities) {
    where.push(
      query.entities.length === 0
        ? 'FALSE'
        : `a.entity IN (${query.entities.map((entity) => params.add(entity, 'text')).join(', ')})`,
    );
  }
  if (query.entity) where.push(`a.entity = ${params.add(query.entity, 'text')}`);
  if (query.entityId) where.push(`a."entityId" = ${params.add(query.entityId, 'text')}`);
  if (query.bookingId !== undefined) {
    where.push(anyOf(bookingHistory(`SELECT ${params.add(query.bookingId, 'int')} AS id`)));
  }
  if (query.studentId !== undefined) {
    const student = params.add(query.studentId, 'int');
    where.push(
      anyOf([
        about('Student', `SELECT ${student} AS id`),
        ...bookingHistory(`SELECT b.id FROM "Booking" b WHERE b."studentId" = ${student}`),
      ]),
    );
  }
  if (query.teacherId !== undefined) {
    const teacher = params.add(query.teacherId, 'int');
    where.push(
      anyOf([
        about('Teacher', `SELECT ${teacher} AS id`),
        about('Gig', `SELECT g.id FROM "Gig" g WHERE g."teacherId" = ${teacher}`),
        about('PayoutLine', `SELECT l.id FROM "PayoutLine" l WHERE l."teacherId" = ${teacher}`),
        ...bookingHistory(`SELECT b.id FROM "Booking" b WHERE b."teacherId" = ${teacher}`),
      ]),
    );
  }
  if (query.actorStaffId !== undefined) where.push(`a."actorStaffId" = ${params.add(query.actorStaffId, 'int')}`);
  if (query.action) {
    const action = params.add(query.action, 'text');
    // The action itself, or any action of its family ("refund" → "refund.request", "refund.approve.first").
    where.push(`(a.action = ${action} OR left(a.action, length(${action}) + 1) = ${action} || '.')`);
  }
  if (query.from) where.push(`a.at >= ${params.add(query.from, 'timestamp(3)')}`);
  if (query.to) where.push(`a.at < ${params.add(query.to, 'timestamp(3)')}`);
  if (query.beforeId !== undefined) where.push(`a.id < ${params.add(query.beforeId, 'int')}`);
  // The page first (newest first by id), then the names and the booking each entry is about.
  const text = `
    SELECT e.*, s.name AS "actorName", b.currency
    FROM (
      SELECT a.id, a.at, a."actorStaffId", a."actorRole", a.action, a.entity, a."entityId", a.data,
             CASE
               WHEN NOT (${NUMERIC_ID}) THEN NULL
               WHEN a.entity = 'Booking' THEN a."entityId"::int
               WHEN a.entity = 'Payment' THEN (SELECT p."bookingId" FROM "Payment" p WHERE p.id = a."entityId"::int)
               WHEN a.entity = 'RefundRequest'
                 THEN (SELECT r."bookingId" FROM "RefundRequest" r WHERE r.id = a."entityId"::int)
             END AS "bookingId"
      FROM "AuditLog" a
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.id DESC
      LIMIT ${params.add(query.limit, 'int')}
    ) e
    LEFT JOIN "Staff" s ON s.id = e."actorStaffId"
    LEFT JOIN "Booking" b ON b.id = e."bookingId"
    ORDER BY e.id DESC`;
  return { text, values: params.values };
}

interface RawAuditRow {
  id: number;
  at: Date;
  actorStaffId: number | null;
  actorRole: string;
  action: string;
  entity: string;
  entityId: string;
  data: unknown;
  actorName: string | null;
  bookingId: number | null;
  currency: string | null;
}

export class PrismaAuditRepository implements AuditStore {
  /** `pending`: in a transaction, entries are held to ride on its last write (pending-writes.ts). */
  constructor(
    private readonly db: Db,
    private readonly pending?: PendingWrites,
  ) {}
  async append(entry: AuditDraft): Promise<void> {
    if (this.pending) this.pending.addAudit(entry);
    else await this.db.$executeRawUnsafe(auditInsert('$1'), auditRows([entry]));
  }
  async list(query: AuditQuery): Promise<AuditRecord[]> {
    await this.pending?.flush(this.db);
    const { text, values } = auditListSql(query);
    const rows = await this.db.$queryRawUnsafe<RawAuditRow[]>(text, ...values);
    return rows.map((row) => ({
      id: row.id,
      at: row.at instanceof Date ? row.at : new Date(`${String(row.at).replace(' ', 'T')}Z`),
      actorStaffId: row.actorStaffId,
      actorRole: row.actorRole,
      action: row.action,
      entity: row.entity,
      entityId: row.entityId,
      data: typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : row.data,
      actorName: row.actorName,
      bookingId: row.bookingId,
      currency: row.currency,
    }));
  }
  async actors(entities?: readonly string[]): Promise<{ id: number; name: string; role: string }[]> {
    await this.pending?.flush(this.db);
    const rows = await this.db.staff.findMany({
      select: { id: true, name: true, role: true },
      orderBy: { name: 'asc' },
    });
    if (rows.length === 0) return [];
    // One pass over the log for the staff that appear in it (staff are few; the log is long).
    const acted = await this.db.auditLog.groupBy({
      by: ['actorStaffId'],
      where: {
        actorStaffId: { in: rows.map((row) => row.id) },
        ...(entities ? { entity: { in: [...entities] } } : {}),
      },
    });
    const ids = new Set(acted.map((row) => row.actorStaffId));
    return rows.filter((row) => ids.has(row.id));
  }
}

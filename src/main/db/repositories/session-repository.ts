import type {
  RefreshTokenRecord,
  SessionKind,
  SessionRecord,
  SessionStore,
  StaffSessionRecord,
} from '../../services/ports';
import type { StaffRole } from '../generated/client.ts';
import type { DirectQuery } from '../database';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

/** A session row, with its staff account's columns when it has one (LEFT JOIN: null otherwise). */
interface SessionRow {
  id: string;
  kind: SessionKind;
  subjectId: number;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  revokeReason: string | null;
  staffId: number | null;
  staffEmail: string | null;
  staffName: string | null;
  staffRole: StaffRole | null;
  staffActive: boolean | null;
  staffMustChangePassword: boolean | null;
  staffCreatedAt: Date | null;
}

/**
 * Every authenticated call reads its session, so this is one indexed query on the driver (see
 * Database.directQuery): the staff account comes with it, joined, rather than in further round trips.
 */
const sessionSql = (where: string) => `
  SELECT s.id, s.kind, s."subjectId", s."createdAt", s."expiresAt", s."lastSeenAt", s."revokedAt", s."revokeReason",
         st.id AS "staffId", st.email AS "staffEmail", st.name AS "staffName", st.role AS "staffRole",
         st.active AS "staffActive", st."mustChangePassword" AS "staffMustChangePassword",
         st."createdAt" AS "staffCreatedAt"
  FROM "AuthSession" s
  LEFT JOIN "Staff" st ON s.kind = 'STAFF' AND st.id = s."subjectId"
  WHERE ${where}`;

const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  kind: row.kind,
  subjectId: row.subjectId,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  lastSeenAt: row.lastSeenAt,
  revokedAt: row.revokedAt,
  revokeReason: row.revokeReason,
});

const toStaffSession = (row: SessionRow): StaffSessionRecord => ({
  session: toSession(row),
  staff:
    row.staffId !== null &&
    row.staffEmail !== null &&
    row.staffName !== null &&
    row.staffRole !== null &&
    row.staffCreatedAt !== null
      ? {
          id: row.staffId,
          email: row.staffEmail,
          name: row.staffName,
          role: row.staffRole,
          active: row.staffActive === true,
          createdAt: row.staffCreatedAt,
          mustChangePassword: row.staffMustChangePassword === true,
        }
      : null,
});

export class PrismaSessionRepository implements SessionStore {
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}

  /** Outside a transaction through the driver (Prisma's query path costs several times the CPU). */
  private async one(where: string, value: string): Promise<SessionRow | null> {
    const sql = sessionSql(where);
    const rows = await runStatement<SessionRow>(this.db, this.direct, sql, [value], true);
    return rows[0] ?? null;
  }

  async create(session: {
    id: string;
    kind: SessionKind;
    subjectId: number;
    tokenHash: string | null;
    createdAt: Date;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.authSession.create({ data: { ...session, lastSeenAt: session.createdAt } });
  }
  async find(id: string): Promise<SessionRecord | null> {
    const row = await this.one('s.id = $1::text', id);
    return row ? toSession(row) : null;
  }
  async findByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    const row = await this.one('s."tokenHash" = $1::text', tokenHash);
    return row ? toSession(row) : null;
  }
  async findStaffSession(tokenHash: string): Promise<StaffSessionRecord | null> {
    const row = await this.one('s."tokenHash" = $1::text', tokenHash);
    return row ? toStaffSession(row) : null;
  }
  async touch(id: string, at: Date, seenBefore: Date): Promise<void> {
    // The guard holds across hosts: of several hosts seeing a stale session at once, one writes.
    await this.db.authSession.updateMany({
      where: { id, lastSeenAt: { lt: seenBefore } },
      data: { lastSeenAt: at },
    });
  }
  async revoke(id: string, reason: string, at: Date): Promise<boolean> {
    const updated = await this.db.authSession.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: at, revokeReason: reason },
    });
    return updated.count > 0;
  }
  async revokeAllOf(
    kind: SessionKind,
    subjectId: number,
    reason: string,
    at: Date,
    except?: string,
  ): Promise<string[]> {
    const open = await this.db.authSession.findMany({
      where: { kind, subjectId, revokedAt: null, ...(except ? { id: { not: except } } : {}) },
      select: { id: true },
    });
    await this.db.authSession.updateMany({
      where: { id: { in: open.map((row) => row.id) } },
      data: { revokedAt: at, revokeReason: reason },
    });
    return open.map((row) => row.id);
  }
  async addRefreshToken(token: { sessionId: string; tokenHash: string; createdAt: Date; expiresAt: Date }) {
    await this.db.refreshToken.create({ data: token });
  }
  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return this.db.refreshToken.findUnique({
      where: { tokenHash },
      select: { id: true, sessionId: true, expiresAt: true, usedAt: true },
    });
  }
  async useRefreshToken(id: number, at: Date): Promise<boolean> {
    const updated = await this.db.refreshToken.updateMany({ where: { id, usedAt: null }, data: { usedAt: at } });
    return updated.count === 1;
  }
}

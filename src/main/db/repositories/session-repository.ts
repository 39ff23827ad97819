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

/**
 * A session alone, for the marketplace API's calls (every one of them reads its session): no staff
 * join, the session's own eight columns instead of fifteen (pg sets up every column of every result
 * it receives: 9 % of a booking read's CPU with the session's and the booking's).
 */
const FIND_SESSION = `
  SELECT s.id, s.kind, s."subjectId", s."createdAt", s."expiresAt", s."lastSeenAt", s."revokedAt", s."revokeReason"
  FROM "AuthSession" s WHERE s.id = $1::text`;

const toSession = (row: Pick<SessionRow, keyof SessionRecord>): SessionRecord => ({
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

// The writes run inside transactions (sign-in, refresh, sign-out), which run on the driver: SQL.
const INSERT_SESSION = `INSERT INTO "AuthSession"
  ("id", "kind", "subjectId", "tokenHash", "createdAt", "expiresAt", "lastSeenAt")
VALUES ($1, $2::text::"SessionKind", $3, $4, $5, $6, $5)`;
/** The guard holds across hosts: of several hosts seeing a stale session at once, one writes. */
const TOUCH = 'UPDATE "AuthSession" SET "lastSeenAt" = $2 WHERE "id" = $1 AND "lastSeenAt" < $3';
const REVOKE = 'UPDATE "AuthSession" SET "revokedAt" = $2, "revokeReason" = $3 WHERE "id" = $1 AND "revokedAt" IS NULL';
/** $5: a session to leave open (the caller's own), or NULL. */
const REVOKE_ALL_OF = `UPDATE "AuthSession" SET "revokedAt" = $3, "revokeReason" = $4
WHERE "kind" = $1::text::"SessionKind" AND "subjectId" = $2 AND "revokedAt" IS NULL
  AND ($5::text IS NULL OR "id" <> $5::text)
RETURNING "id"`;
const INSERT_REFRESH_TOKEN = `INSERT INTO "RefreshToken" ("sessionId", "tokenHash", "createdAt", "expiresAt")
VALUES ($1, $2, $3, $4)`;
const FIND_REFRESH_TOKEN = 'SELECT "id", "sessionId", "expiresAt", "usedAt" FROM "RefreshToken" WHERE "tokenHash" = $1';
const USE_REFRESH_TOKEN = 'UPDATE "RefreshToken" SET "usedAt" = $2 WHERE "id" = $1 AND "usedAt" IS NULL';

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
    await this.db.$executeRawUnsafe(
      INSERT_SESSION,
      session.id,
      session.kind,
      session.subjectId,
      session.tokenHash,
      session.createdAt,
      session.expiresAt,
    );
  }
  async find(id: string): Promise<SessionRecord | null> {
    const [row] = await runStatement<SessionRecord>(this.db, this.direct, FIND_SESSION, [id], true);
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
    await this.db.$executeRawUnsafe(TOUCH, id, at, seenBefore);
  }
  async revoke(id: string, reason: string, at: Date): Promise<boolean> {
    return (await this.db.$executeRawUnsafe(REVOKE, id, at, reason)) > 0;
  }
  async revokeAllOf(
    kind: SessionKind,
    subjectId: number,
    reason: string,
    at: Date,
    except?: string,
  ): Promise<string[]> {
    const revoked = await this.db.$queryRawUnsafe<{ id: string }[]>(
      REVOKE_ALL_OF,
      kind,
      subjectId,
      at,
      reason,
      except ?? null,
    );
    return revoked.map((row) => row.id);
  }
  async addRefreshToken(token: { sessionId: string; tokenHash: string; createdAt: Date; expiresAt: Date }) {
    await this.db.$executeRawUnsafe(
      INSERT_REFRESH_TOKEN,
      token.sessionId,
      token.tokenHash,
      token.createdAt,
      token.expiresAt,
    );
  }
  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<RefreshTokenRecord[]>(FIND_REFRESH_TOKEN, tokenHash);
    return row ?? null;
  }
  async useRefreshToken(id: number, at: Date): Promise<boolean> {
    return (await this.db.$executeRawUnsafe(USE_REFRESH_TOKEN, id, at)) === 1;
  }
}

import type { RefreshTokenRecord, SessionKind, SessionRecord, SessionStore } from '../../services/ports';
import type { AuthSession } from '../generated/client.ts';
import type { Db } from './prisma-types';

const TOUCH_EVERY_MS = 60_000;

const toSession = (row: AuthSession): SessionRecord => ({
  id: row.id,
  kind: row.kind,
  subjectId: row.subjectId,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  lastSeenAt: row.lastSeenAt,
  revokedAt: row.revokedAt,
  revokeReason: row.revokeReason,
});

export class PrismaSessionRepository implements SessionStore {
  constructor(private readonly db: Db) {}

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
    const row = await this.db.authSession.findUnique({ where: { id } });
    return row ? toSession(row) : null;
  }
  async findByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    const row = await this.db.authSession.findUnique({ where: { tokenHash } });
    return row ? toSession(row) : null;
  }
  async touch(id: string, at: Date): Promise<void> {
    await this.db.authSession.updateMany({
      where: { id, lastSeenAt: { lt: new Date(at.getTime() - TOUCH_EVERY_MS) } },
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

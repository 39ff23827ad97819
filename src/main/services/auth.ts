import { randomBytes } from 'node:crypto';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { permissionsOf, type Permission } from '../domain/permissions';
import type { Clock } from '../domain/clock';
import type { StaffRecord } from './ports';
import type { StaffService } from './staff';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const RECHECK_MS = 60 * 1000;

interface Session {
  staff: StaffRecord;
  expiresAt: number;
  checkedAt: number;
}

export interface SignedIn {
  token: string;
  expiresAt: Date;
  staff: { id: number; email: string; name: string; role: StaffRecord['role'] };
  permissions: Permission[];
}

/**
 * Bearer tokens for the console: random, held only in memory here and in the page, expiring after
 * 12 hours. A disabled account stops working within a minute.
 */
export function createAuthService(staff: StaffService, clock: Clock) {
  const sessions = new Map<string, Session>();

  const describe = (record: StaffRecord) => ({
    id: record.id,
    email: record.email,
    name: record.name,
    role: record.role,
  });

  return {
    async login(input: unknown): Promise<SignedIn> {
      const record = await staff.authenticate(input);
      const token = randomBytes(32).toString('base64url');
      const now = clock.now().getTime();
      sessions.set(token, { staff: record, expiresAt: now + SESSION_TTL_MS, checkedAt: now });
      return {
        token,
        expiresAt: new Date(now + SESSION_TTL_MS),
        staff: describe(record),
        permissions: permissionsOf(record.role),
      };
    },

    logout(token: string): void {
      sessions.delete(token);
    },

    /** The actor behind a token, or null when there is none; throws when it expired or was revoked. */
    async actorFor(token: string | null | undefined): Promise<(Actor & { kind: 'STAFF' }) | null> {
      if (!token) return null;
      const session = sessions.get(token);
      const now = clock.now().getTime();
      if (!session)
        throw new DomainError(
          'UNAUTHENTICATED',
          'Your session is not valid (signed out or the app restarted); sign in again',
        );
      if (session.expiresAt <= now) {
        sessions.delete(token);
        throw new DomainError('UNAUTHENTICATED', 'Your session expired; sign in again');
      }
      if (now - session.checkedAt > RECHECK_MS) {
        const current = await staff.findActive(session.staff.id);
        if (!current) {
          sessions.delete(token);
          throw new DomainError('UNAUTHENTICATED', 'This staff account is disabled');
        }
        session.staff = current;
        session.checkedAt = now;
      }
      return { kind: 'STAFF', id: session.staff.id, role: session.staff.role };
    },

    me(token: string): SignedIn['staff'] & { permissions: Permission[] } {
      const session = sessions.get(token);
      if (!session) throw new DomainError('UNAUTHENTICATED', 'Not signed in');
      return { ...describe(session.staff), permissions: permissionsOf(session.staff.role) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { createAccessTokens, type AccessTokens } from './access-tokens';
import { tokenHash } from './auth';
import { announce, logged, type ServiceDeps } from './context';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import type { RateLimitPolicy, RateLimits, Repositories } from './ports';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const REFRESH_TOKEN_TTL_MS = 14 * 24 * 60 * 60 * 1000;
const SESSION_TTL_MS = 60 * 24 * 60 * 60 * 1000;

export interface MarketplaceUser {
  id: number;
  email: string;
  fullName: string;
  role: 'STUDENT' | 'TEACHER';
  timezone: string;
}

export interface RegisterInput {
  email: string;
  password: string;
  fullName: string;
  role: 'STUDENT' | 'TEACHER';
  timezone: string;
  bio?: string | undefined;
  qualifications?: string | undefined;
  yearsOfExperience?: number | undefined;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export type MarketplaceActor = Actor & { kind: 'STUDENT' | 'TEACHER'; sessionId: string };

const SIGNED_OUT = 'The refresh token is not valid (signed out, expired or already used); sign in again';

/**
 * Accounts of the marketplace's students and teachers (R50): registration, sign-in, short-lived
 * access tokens every host verifies, and rotating refresh tokens — each single-use, stored only as a
 * hash; presenting a used one again revokes that sign-in's whole chain (reuse detection).
 */
export function createAccountService(deps: ServiceDeps, tokenSecret: string | undefined, limits: RateLimits) {
  const { uow, clock } = deps;
  let tokens: Promise<AccessTokens> | null = null;
  /** The signing key, loaded once (a failed load is tried again next time). Never called inside a
   * transaction: on the embedded database that would wait for its own connection. */
  const signer = () => {
    tokens ??= createAccessTokens(uow.read, tokenSecret, ACCESS_TOKEN_TTL_SECONDS).catch((error: unknown) => {
      tokens = null;
      throw error;
    });
    return tokens;
  };

  async function issue(
    repos: Repositories,
    keys: AccessTokens,
    sessionId: string,
    user: { kind: 'STUDENT' | 'TEACHER'; id: number },
  ) {
    const now = clock.now();
    const refreshToken = randomBytes(32).toString('base64url');
    await repos.sessions.addRefreshToken({
      sessionId,
      tokenHash: tokenHash(refreshToken),
      createdAt: now,
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
    });
    const accessToken = await keys.sign({ sessionId, kind: user.kind, subjectId: user.id }, now);
    return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** Refuses with RATE_LIMITED (429 with Retry-After) once a policy's allowance for `key` is used up. */
  async function limit(policy: RateLimitPolicy, key: string, what: string): Promise<void> {
    const outcome = await limits.consume(policy, key);
    if (!outcome.allowed)
      throw new DomainError('RATE_LIMITED', `Too many ${what}; try again in ${outcome.retryAfterSeconds} s`, {
        retryAfterSeconds: outcome.retryAfterSeconds,
      });
  }

  async function revokeSession(sessionId: string, reason: string): Promise<void> {
    const rows = await uow.transaction(async (repos) =>
      (await repos.sessions.revoke(sessionId, reason, clock.now()))
        ? repos.eventLog.append([logged({ type: 'sessions.revoked', sessionIds: [sessionId], at: clock.now() })])
        : [],
    );
    announce(deps, rows);
  }

  return {
    async register(input: RegisterInput, address: string): Promise<MarketplaceUser> {
      await limit('register.address', address, 'registrations from this address');
      await limit('register.account', input.email, 'registrations for this email');
      const passwordHash = await hashPassword(input.password);
      return uow.transaction(async (repos) => {
        if (await repos.people.emailTaken(input.email))
          throw new DomainError('VALIDATION', `An account with the email ${input.email} is already registered`, {
            fields: { email: ['is already registered'] },
          });
        const fields = {
          email: input.email,
          name: input.fullName,
          timezone: input.timezone,
          passwordHash,
          createdAt: clock.now(),
        };
        const person =
          input.role === 'STUDENT'
            ? await repos.people.createStudent(fields)
            : await repos.people.createTeacher({
                ...fields,
                bio: input.bio ?? null,
                qualifications: input.qualifications ?? null,
                yearsOfExperience: input.yearsOfExperience ?? null,
              });
        await repos.audit.append({
          actorStaffId: null,
          actorRole: input.role,
          action: `${input.role.toLowerCase()}.register`,
          entity: input.role === 'STUDENT' ? 'Student' : 'Teacher',
          entityId: String(person.id),
          data: { email: person.email },
          at: clock.now(),
        });
        return {
          id: person.id,
          email: person.email,
          fullName: person.name,
          role: input.role,
          timezone: person.timezone,
        };
      });
    },

    /** The same refusal for an unknown email and a wrong password. */
    async login(email: string, password: string, address: string): Promise<TokenPair & { user: MarketplaceUser }> {
      await limit('login.address', address, 'sign-in attempts from this address');
      await limit('login.account', email, 'sign-in attempts for this account');
      const credentials = await uow.read.people.credentialsByEmail(email);
      const ok = await verifyPassword(password, credentials?.passwordHash ?? (await decoyHash()));
      if (!credentials || !ok) throw new DomainError('UNAUTHENTICATED', 'Wrong email or password');
      await limits.reset('login.account', email);
      const sessionId = randomUUID();
      const now = clock.now();
      const keys = await signer();
      const pair = await uow.transaction(async (repos) => {
        await repos.sessions.create({
          id: sessionId,
          kind: credentials.kind,
          subjectId: credentials.id,
          tokenHash: null,
          createdAt: now,
          expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
        });
        return issue(repos, keys, sessionId, credentials);
      });
      return {
        ...pair,
        user: {
          id: credentials.id,
          email: credentials.email,
          fullName: credentials.name,
          role: credentials.kind,
          timezone: credentials.timezone,
        },
      };
    },

    async refresh(refreshToken: string, address: string): Promise<TokenPair> {
      await limit('refresh.address', address, 'token refreshes from this address');
      const found = await uow.read.sessions.findRefreshToken(tokenHash(refreshToken));
      if (!found) throw new DomainError('UNAUTHENTICATED', SIGNED_OUT);
      const session = await uow.read.sessions.find(found.sessionId);
      const now = clock.now();
      if (!session || session.revokedAt || session.expiresAt <= now || found.expiresAt <= now)
        throw new DomainError('UNAUTHENTICATED', SIGNED_OUT);
      if (found.usedAt) {
        // A used token presented again: someone else has (or had) it. End the whole chain.
        await revokeSession(session.id, 'refresh token reused');
        throw new DomainError(
          'UNAUTHENTICATED',
          'This refresh token was already used; for safety the sign-in was ended. Sign in again',
        );
      }
      const keys = await signer();
      const pair = await uow.transaction(async (repos) => {
        if (!(await repos.sessions.useRefreshToken(found.id, now))) return null;
        return issue(repos, keys, session.id, {
          kind: session.kind === 'TEACHER' ? 'TEACHER' : 'STUDENT',
          id: session.subjectId,
        });
      });
      if (!pair) {
        await revokeSession(session.id, 'refresh token reused');
        throw new DomainError(
          'UNAUTHENTICATED',
          'This refresh token was already used; for safety the sign-in was ended. Sign in again',
        );
      }
      return pair;
    },

    /** Ends the caller's own sign-in: a refresh token of another sign-in is refused, never revoked. */
    async logout(actor: MarketplaceActor, refreshToken: string): Promise<void> {
      const found = await uow.read.sessions.findRefreshToken(tokenHash(refreshToken));
      if (!found) throw new DomainError('UNAUTHENTICATED', SIGNED_OUT);
      if (found.sessionId !== actor.sessionId)
        throw new DomainError(
          'VALIDATION',
          'That refresh token belongs to another sign-in; send the one you signed in with',
          {
            fields: { refresh_token: ['belongs to another sign-in'] },
          },
        );
      await revokeSession(found.sessionId, 'signed out');
    },

    /** Money-moving calls are limited per user (shared by all hosts). */
    limitMoneyCalls: (actor: MarketplaceActor) => limit('money.user', `${actor.kind}:${actor.id}`, 'payment calls'),

    /** The student or teacher behind an access token; a token of an ended sign-in is refused on every host. */
    async actorFor(accessToken: string): Promise<MarketplaceActor> {
      const claims = await (await signer()).verify(accessToken, clock.now());
      const session = await uow.read.sessions.find(claims.sessionId);
      if (!session || session.revokedAt || session.kind !== claims.kind || session.subjectId !== claims.subjectId)
        throw new DomainError('UNAUTHENTICATED', 'This sign-in has ended; sign in again');
      return { kind: claims.kind, id: claims.subjectId, sessionId: session.id };
    },

    async userOf(actor: MarketplaceActor): Promise<MarketplaceUser> {
      const person =
        actor.kind === 'STUDENT'
          ? await uow.read.people.findStudent(actor.id)
          : await uow.read.people.findTeacher(actor.id);
      if (!person) throw new DomainError('UNAUTHENTICATED', 'This account no longer exists');
      return { id: person.id, email: person.email, fullName: person.name, role: actor.kind, timezone: person.timezone };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { DomainError } from '../domain/errors';
import type { Repositories } from './ports';

const ISSUER = 'linguaflex-ops';
const AUDIENCE = 'linguaflex-marketplace';
const KEY_SETTING = 'auth.accessTokenKey';
/** Tokens whose signature was checked, kept (bounded) for the rest of their life. */
const VERIFIED_CAPACITY = 10_000;

export interface AccessClaims {
  sessionId: string;
  kind: 'STUDENT' | 'TEACHER';
  subjectId: number;
}

/**
 * Short-lived signed access tokens (HS256 JWTs, with jose) that every host of a deployment
 * verifies with the same key: `LINGUAFLEX_TOKEN_SECRET` when set, otherwise a random key stored
 * once in the shared database (the first host to start makes it; the others read it).
 */
export async function createAccessTokens(repos: Repositories, configured: string | undefined, ttlSeconds: number) {
  const stored =
    configured ?? String(await repos.settings.setIfAbsent(KEY_SETTING, randomBytes(32).toString('base64url')));
  // Imported once: given raw bytes, jose imports the HMAC key again on every sign and verify, which
  // is close to half the cost of checking a token (every authenticated API call checks one).
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(stored),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  // A client sends the same token with every call until it expires: its signature (an HMAC through
  // WebCrypto, a tenth of a read's CPU) is checked once, and the exact token string remembered with
  // its claims and expiry. Only a token that was verified matches; expiry is still checked per call.
  const verified = new Map<string, { claims: AccessClaims; expiresAt: number }>();
  const remember = (token: string, claims: AccessClaims, expiresAt: number) => {
    if (verified.size >= VERIFIED_CAPACITY) {
      const oldest = verified.keys().next().value;
      if (oldest !== undefined) verified.delete(oldest);
    }
    verified.set(token, { claims, expiresAt });
  };
  return {
    ttlSeconds,
    async sign(claims: AccessClaims, now: Date): Promise<string> {
      const issuedAt = Math.floor(now.getTime() / 1000);
      return new SignJWT({ sid: claims.sessionId, role: claims.kind })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(claims.subjectId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(key);
    },
    /** The claims of a valid token; UNAUTHENTICATED naming what is wrong otherwise. */
    async verify(token: string, now: Date): Promise<AccessClaims> {
      const known = verified.get(token);
      if (known) {
        // jose's rule: expired once the clock reaches `exp`.
        if (Math.floor(now.getTime() / 1000) < known.expiresAt) return known.claims;
        verified.delete(token);
        throw new DomainError('UNAUTHENTICATED', 'The access token expired; refresh it');
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now,
        });
        const subjectId = Number(payload.sub);
        const role = payload['role'];
        const sid = payload['sid'];
        if (!Number.isSafeInteger(subjectId) || (role !== 'STUDENT' && role !== 'TEACHER') || typeof sid !== 'string')
          throw new DomainError('UNAUTHENTICATED', 'The access token is not one of ours');
        const claims: AccessClaims = { sessionId: sid, kind: role, subjectId };
        if (typeof payload.exp === 'number') remember(token, claims, payload.exp);
        return claims;
      } catch (error) {
        if (error instanceof DomainError) throw error;
        if (error instanceof joseErrors.JWTExpired)
          throw new DomainError('UNAUTHENTICATED', 'The access token expired; refresh it');
        throw new DomainError('UNAUTHENTICATED', 'The access token is invalid');
      }
    },
  };
}

export type AccessTokens = Awaited<ReturnType<typeof createAccessTokens>>;

import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { z } from 'zod';
import { DomainError, type DomainErrorCode } from '../domain/errors';
import { assertStaffCan, type Permission } from '../domain/permissions';
import type { Logger } from '../log';
import type { EventBus } from '../services/events';
import type { Credentials } from '../integrations';
import type { Services } from '../services';
import { PASSWORD_CHANGE_PATHS } from '../services/auth';
import type { UseCaseSpec } from '../services/use-case';
import { fieldProblems } from '../services/validation';
import { strictSuperjson } from './transformer';
import type { DesktopCapability } from './routers/desktop';

/** Per call: the services, and the bearer token the call came with (HTTP header or IPC message). */
export interface ApiContext {
  readonly services: Services;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly token: string | null;
  /**
   * The client's address over HTTP (Fastify's `request.ip`, which honours LINGUAFLEX_TRUST_PROXY):
   * staff sign-ins are throttled per address too. Null over IPC and for direct callers.
   */
  readonly address?: string | null | undefined;
  /** Which integrations are real and which sandboxed, with credentials masked. */
  readonly integrations: () => { name: string; mode: string; credential: string | null }[];
  /** Only in the desktop shell: stores integration credentials encrypted (safeStorage). */
  readonly saveCredentials?: ((credentials: Credentials) => void) | undefined;
  /** Only in the desktop shell: which server it uses, and connecting it to a team server (desktop router). */
  readonly desktop?: DesktopCapability | undefined;
  /** Only for the browser console over HTTP: its session is kept in an HttpOnly cookie (see CookieSession). */
  readonly cookieSession?: CookieSession | undefined;
}

/**
 * The browser console's session, held where its scripts cannot read it (an HttpOnly, SameSite=Strict
 * cookie) so a reload keeps it: `auth.login` hands the token to `hold` and answers with an empty
 * token, as the desktop shell's main process does; `auth.logout` calls `forget`.
 */
export interface CookieSession {
  hold(token: string, expiresAt: Date): void;
  forget(): void;
}

export interface ApiMeta {
  /** The permission a procedure needs; null for the few that only need a signed-in user or none. */
  permission: Permission | null;
  /** True for the procedures that work without signing in (auth.login). */
  public?: boolean;
}

const TRPC_CODE: Record<DomainErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION: 'BAD_REQUEST',
  UNKNOWN_CURRENCY: 'BAD_REQUEST',
  AMOUNT_TOO_LARGE: 'BAD_REQUEST',
  ILLEGAL_TRANSITION: 'PRECONDITION_FAILED',
  GUARD_FAILED: 'PRECONDITION_FAILED',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  CONFLICT: 'CONFLICT',
  OVERLAP: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  PAYMENT_DECLINED: 'PAYMENT_REQUIRED',
  REFUND_EXCEEDS_REMAINING: 'BAD_REQUEST',
  DATABASE_LOCKED: 'SERVICE_UNAVAILABLE',
  INTEGRATION_FAILED: 'BAD_GATEWAY',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
};

export function toTRPCError(error: DomainError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

/**
 * The longest wait any refused call of a (batched) request was told (RATE_LIMITED), for the answer's
 * Retry-After header; null when no call was refused for that.
 */
export function retryAfterOf(errors: readonly TRPCError[]): number | null {
  let seconds: number | null = null;
  for (const error of errors) {
    const wait = error.cause instanceof DomainError ? error.cause.details['retryAfterSeconds'] : undefined;
    if (typeof wait === 'number' && Number.isFinite(wait) && wait > 0)
      seconds = Math.max(seconds ?? 0, Math.ceil(wait));
  }
  return seconds;
}

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

function isFieldProblems(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((messages) => Array.isArray(messages) && messages.every((m) => typeof m === 'string'))
  );
}

function zodIssues(cause: unknown): ZodLikeIssue[] | null {
  if (cause && typeof cause === 'object' && 'issues' in cause && Array.isArray(cause.issues)) {
    return (cause as { issues: ZodLikeIssue[] }).issues;
  }
  return null;
}

const t = initTRPC
  .context<ApiContext>()
  .meta<ApiMeta>()
  .create({
    // superjson, but a request's Dates must be ISO text (superjson would read `true` as 1970).
    transformer: strictSuperjson,
    isDev: false,
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      let message = shape.message;
      let domainCode: string;
      // Invalid input names each field with its problems ({ "startsAt": ["must be …"] }), as the API's 400 does.
      let fields: Record<string, string[]> | undefined;
      if (cause instanceof DomainError) {
        domainCode = cause.code;
        message = cause.message;
        if (cause.code === 'VALIDATION' && isFieldProblems(cause.details['fields'])) fields = cause.details['fields'];
      } else if (error.code === 'BAD_REQUEST' && zodIssues(cause)) {
        domainCode = 'VALIDATION';
        fields = fieldProblems(zodIssues(cause) ?? []);
        message = `Invalid input: ${(zodIssues(cause) ?? [])
          .map((issue) => (issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
          .join('; ')}`;
      } else if (error.code === 'INTERNAL_SERVER_ERROR') {
        domainCode = 'INTERNAL';
        message = 'Something went wrong on the server; nothing was changed. The details are in the server log.';
      } else if (error.code === 'UNAUTHORIZED') {
        domainCode = 'UNAUTHENTICATED';
      } else if (error.code === 'NOT_FOUND') {
        domainCode = 'NOT_FOUND';
        if (message.startsWith('No "')) message = `Unknown procedure: ${message}`;
      } else {
        domainCode = error.code;
      }
      const { stack: _stack, ...data } = shape.data;
      // A refusal for too many calls says when to try again (also sent as Retry-After over HTTP).
      const retryAfterSeconds =
        cause instanceof DomainError && typeof cause.details['retryAfterSeconds'] === 'number'
          ? cause.details['retryAfterSeconds']
          : undefined;
      return {
        ...shape,
        message,
        data: {
          ...data,
          domainCode,
          ...(fields ? { fields } : {}),
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every procedure turns a DomainError into a tRPC error with a fitting code; anything else is logged. */
const base = t.procedure.use(async ({ next, ctx, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof DomainError) throw toTRPCError(cause);
    if (result.error.code === 'INTERNAL_SERVER_ERROR') ctx.logger.error(`${path} failed`, cause ?? result.error);
  }
  return result;
});

export const publicProcedure = base.meta({ permission: null, public: true });

/**
 * Signed in, with `permission` (checked here, and again by the service: R33). While the account
 * must change its password (R34: a generated or reset one) only PASSWORD_CHANGE_PATHS answer.
 */
export function staffProcedure(permission: Permission | null) {
  return base.meta({ permission }).use(async ({ ctx, next, path }) => {
    const actor = await ctx.services.auth.actorFor(ctx.token).catch((error: unknown) => {
      throw error instanceof DomainError ? toTRPCError(error) : error;
    });
    if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    if (actor.mustChangePassword && !PASSWORD_CHANGE_PATHS.has(path))
      throw toTRPCError(
        new DomainError('FORBIDDEN', 'Choose a new password first: this account’s password must be changed', {
          passwordChangeRequired: true,
        }),
      );
    if (permission) {
      try {
        assertStaffCan(actor, permission);
      } catch (error) {
        throw error instanceof DomainError ? toTRPCError(error) : error;
      }
    }
    return next({ ctx: { ...ctx, actor } });
  });
}

/**
 * The procedure of a use case: authenticated, authorized with the use case's own permission and
 * validated with its own schema — once — before the resolver calls the use case's `run`.
 */
export function useCaseProcedure<I extends z.ZodType>(useCase: UseCaseSpec<I>) {
  return staffProcedure(useCase.permission).input(useCase.input);
}

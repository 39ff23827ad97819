import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import type { z } from 'zod';
import { DomainError, type DomainErrorCode } from '../domain/errors';
import { assertStaffCan, type Permission } from '../domain/permissions';
import type { Logger } from '../log';
import type { EventBus } from '../services/events';
import type { Credentials } from '../integrations';
import type { Services } from '../services';
import type { UseCaseSpec } from '../services/use-case';
import type { DesktopCapability } from './routers/desktop';

/** Per call: the services, and the bearer token the call came with (HTTP header or IPC message). */
export interface ApiContext {
  readonly services: Services;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly token: string | null;
  /** Which integrations are real and which sandboxed, with credentials masked. */
  readonly integrations: () => { name: string; mode: string; credential: string | null }[];
  /** Only in the desktop shell: stores integration credentials encrypted (safeStorage). */
  readonly saveCredentials?: ((credentials: Credentials) => void) | undefined;
  /** Only in the desktop shell: which server it uses, and connecting it to a team server (desktop router). */
  readonly desktop?: DesktopCapability | undefined;
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

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
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
    transformer: superjson,
    isDev: false,
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      let message = shape.message;
      let domainCode: string;
      if (cause instanceof DomainError) {
        domainCode = cause.code;
        message = cause.message;
      } else if (error.code === 'BAD_REQUEST' && zodIssues(cause)) {
        domainCode = 'VALIDATION';
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
      return { ...shape, message, data: { ...data, domainCode } };
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

/** Signed in, with `permission` (checked here, and again by the service: R33). */
export function staffProcedure(permission: Permission | null) {
  return base.meta({ permission }).use(async ({ ctx, next }) => {
    const actor = await ctx.services.auth.actorFor(ctx.token).catch((error: unknown) => {
      throw error instanceof DomainError ? toTRPCError(error) : error;
    });
    if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
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

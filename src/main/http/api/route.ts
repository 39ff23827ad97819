import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import type { AccountService, MarketplaceActor } from '../../services/accounts';
import {
  ApiProblem,
  forbidden,
  invalidInput,
  problemFor,
  unauthorized,
  type FieldProblems,
  type ProblemOptions,
} from './errors';

/**
 * The marketplace API's one route framework. A route is data — method, path (OpenAPI form), words
 * for the document, who may call it, zod schemas for its params, query, body and each answer — and a
 * handler that receives validated input. Registering a route does, in this order:
 *   screen (a check that must happen before anything else: card data in a body, R20) →
 *   bearer access token → actor (401) → role (403) → rate limit of money-moving calls (429) →
 *   validation of params, query and body with the route's schemas, every field named (400) →
 *   the handler → its answer; any refusal on the way → errors.ts's one mapping.
 * The OpenAPI document (openapi.ts) is generated from the same route objects and schemas.
 */

export type Access = 'public' | 'student' | 'teacher' | 'signed-in';
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

type StudentActor = MarketplaceActor & { kind: 'STUDENT' };
type TeacherActor = MarketplaceActor & { kind: 'TEACHER' };

export type ActorFor<A extends Access> = A extends 'public'
  ? null
  : A extends 'student'
    ? StudentActor
    : A extends 'teacher'
      ? TeacherActor
      : MarketplaceActor;

/** Request parts are JSON objects (or the path's and query's text fields). */
export type InputSchema = z.ZodObject<z.core.$ZodShape>;
/** An answer's schema; null: no content (204). */
export type AnswerSchema = z.ZodType | null;
export type Answers = Readonly<Partial<Record<number, AnswerSchema>>>;

/** The error statuses a route may answer with beyond those its access and inputs imply. */
export type ErrorStatus = 401 | 402 | 404 | 409 | 429 | 502;

const EMPTY = z.object({});
type Empty = typeof EMPTY;

export interface Call<A extends Access, P extends InputSchema, Q extends InputSchema, B extends InputSchema> {
  actor: ActorFor<A>;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** The client's address (rate limits of sign-in, registration and refresh key on it). */
  ip: string;
}

export type Answer<R extends Answers> = {
  [S in keyof R & number]: {
    status: S;
    body: R[S] extends z.ZodType ? z.input<R[S]> : undefined;
    headers?: Record<string, string>;
  };
}[keyof R & number];

export interface RouteSpec<
  A extends Access,
  P extends InputSchema,
  Q extends InputSchema,
  B extends InputSchema,
  R extends Answers,
> {
  method: HttpMethod;
  /** OpenAPI form, with the trailing slash: '/api/bookings/bookings/{id}/'. */
  path: `/api/${string}`;
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  access: A;
  /** Money-moving calls are rate-limited per user before anything else is done for them. */
  moneyMoving?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  responses: R;
  /** Error statuses the handler's services may answer with (the rest follow from access and inputs). */
  errors?: readonly ErrorStatus[];
  /** Runs before authentication on the raw body and query; throws an ApiProblem to refuse. */
  screen?: (raw: { body: unknown; query: unknown }) => void;
  /** Service field names → the API's, and the field a 400 names when the service named none. */
  problems?: ProblemOptions;
}

export interface HandlerOptions<A extends Access, P extends InputSchema, Q extends InputSchema, B extends InputSchema> {
  /** A route's own reading of a service refusal (null: the common mapping). */
  mapError?: (error: DomainError, call: Call<A, P, Q, B>) => ApiProblem | null;
}

interface RawCall {
  actor: MarketplaceActor | null;
  params: unknown;
  query: unknown;
  body: unknown;
  ip: string;
}

interface RawAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A route with its types erased, as the table, the registration and the document hold it. */
export interface ApiRoute {
  readonly method: HttpMethod;
  readonly path: `/api/${string}`;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  readonly access: Access;
  readonly moneyMoving: boolean;
  readonly params: InputSchema | undefined;
  readonly query: InputSchema | undefined;
  readonly body: InputSchema | undefined;
  readonly responses: Answers;
  readonly errors: readonly ErrorStatus[];
  readonly screen: ((raw: { body: unknown; query: unknown }) => void) | undefined;
  readonly problems: ProblemOptions;
  readonly mapError: (error: DomainError, call: RawCall) => ApiProblem | null;
  readonly handle: (call: RawCall) => Promise<RawAnswer>;
}

/**
 * Declares a route: `defineRoute({...}).handle(async (call) => answer)`. The handler's input types
 * come from the route's own schemas, and its answers must match the declared answer schemas (checked
 * by the compiler); the one cast below is sound because the registration parses with exactly these
 * schemas before it calls the handler.
 */
export function defineRoute<
  A extends Access,
  R extends Answers,
  P extends InputSchema = Empty,
  Q extends InputSchema = Empty,
  B extends InputSchema = Empty,
>(spec: RouteSpec<A, P, Q, B, R>) {
  const typed = (call: RawCall) => call as unknown as Call<A, P, Q, B>;
  return {
    handle: (
      handler: (call: Call<A, P, Q, B>) => Promise<Answer<R>>,
      options: HandlerOptions<A, P, Q, B> = {},
    ): ApiRoute => ({
      method: spec.method,
      path: spec.path,
      operationId: spec.operationId,
      summary: spec.summary,
      description: spec.description,
      tags: spec.tags,
      access: spec.access,
      moneyMoving: spec.moneyMoving ?? false,
      params: spec.params,
      query: spec.query,
      body: spec.body,
      responses: spec.responses,
      errors: spec.errors ?? [],
      screen: spec.screen,
      problems: spec.problems ?? {},
      mapError: (error, call) => options.mapError?.(error, typed(call)) ?? null,
      handle: async (call) => handler(typed(call)),
    }),
  };
}

/** '/api/bookings/bookings/{id}/' → '/api/bookings/bookings/:id/' */
export const fastifyPath = (path: string): string => path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');

const ROLE_WORDS: Record<'student' | 'teacher', string> = { student: 'students', teacher: 'teachers' };

async function authenticate(
  route: ApiRoute,
  header: string | undefined,
  accounts: AccountService,
): Promise<MarketplaceActor | null> {
  if (route.access === 'public') return null;
  if (header === undefined || header.trim() === '')
    throw unauthorized('Sign in first: send the access token as "Authorization: Bearer <access_token>"');
  const token = /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (!token) throw unauthorized('The Authorization header must be "Bearer <access_token>"', true);
  let actor: MarketplaceActor;
  try {
    actor = await accounts.actorFor(token);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'UNAUTHENTICATED') throw unauthorized(error.message, true);
    throw error;
  }
  if (route.access !== 'signed-in' && actor.kind.toLowerCase() !== route.access)
    throw forbidden(
      `${route.summary}: this is for ${ROLE_WORDS[route.access]}; you are signed in as a ${actor.kind.toLowerCase()}`,
    );
  return actor;
}

/** Each issue under the API's name of its field; the whole body or query when the path is empty. */
function collect(into: FieldProblems, issues: readonly z.core.$ZodIssue[], root: string): void {
  for (const issue of issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : root;
    const messages = (into[field] ??= []);
    if (!messages.includes(issue.message)) messages.push(issue.message);
  }
}

/** Validates params, query and body with the route's schemas; a failure names every bad field at once. */
function parseInput(route: ApiRoute, request: FastifyRequest): { params: unknown; query: unknown; body: unknown } {
  const problems: FieldProblems = {};
  const part = (schema: InputSchema | undefined, value: unknown, root: string): unknown => {
    const result = (schema ?? EMPTY).safeParse(value ?? {});
    if (result.success) return result.data;
    collect(problems, result.error.issues, root);
    return undefined;
  };
  const parsed = {
    params: part(route.params, request.params, 'path'),
    query: part(route.query, request.query, 'query'),
    // No body, or an empty one sent as JSON, is an empty object (json parser in index.ts).
    body: route.method === 'GET' ? {} : part(route.body, request.body, 'body'),
  };
  if (Object.keys(problems).length > 0) throw invalidInput(problems);
  return parsed;
}

function send(reply: FastifyReply, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) {
  void reply.code(status).headers(headers);
  return body === undefined ? reply.send() : reply.send(body);
}

/** Sends an error's answer; a fault of the server (a 5xx that is not a known outage) is logged. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown, options?: ProblemOptions) {
  const { problem, serverFault } = problemFor(error, options);
  if (serverFault) request.log.error({ err: error }, `${request.method} ${request.routeOptions.url ?? ''} failed`);
  return send(reply, problem.status, problem.body, problem.headers);
}

/** Registers the table's routes on `app` (the marketplace API's encapsulated plugin). */
export function registerRoutes(app: FastifyInstance, routes: readonly ApiRoute[], accounts: AccountService): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: fastifyPath(route.path),
      // Kept with Fastify's route so tests can check that what is served is what is documented.
      config: { apiRoute: route },
      handler: async (request, reply) => {
        let call: RawCall | null = null;
        try {
          route.screen?.({ body: request.body, query: request.query });
          const actor = await authenticate(route, request.headers.authorization, accounts);
          if (route.moneyMoving && actor) await accounts.limitMoneyCalls(actor);
          call = { actor, ...parseInput(route, request), ip: request.ip };
          const answer = await route.handle(call);
          return await send(reply, answer.status, answer.body, answer.headers);
        } catch (error) {
          const mapped = error instanceof DomainError && call ? route.mapError(error, call) : null;
          return sendProblem(request, reply, mapped ?? error, route.problems);
        }
      },
    });
  }
}

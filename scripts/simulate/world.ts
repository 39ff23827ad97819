/**
 * The system under simulation: the app's own services and outbox worker, composed as
 * src/main/container.ts composes them, over the run's database and fresh loopback Stripe, Zoom
 * and SMTP sandboxes that share one controllable clock. What the simulation adds around them:
 * - a Stripe gateway that can "crash the process" right after Stripe answered and before anything
 *   is committed (the app is then dead: every later gateway call and transaction of it fails), and
 *   a restart that builds new services and a new outbox worker over the same database and
 *   sandboxes and runs reconciliation, as start-up does (src/main/startup.ts);
 * - outages of Zoom and the mail server lasting a number of steps;
 * - one step at a time, each followed by the invariant checks.
 */
import type { Container } from '../../src/main/container';
import type { Actor } from '../../src/main/domain/actors';
import { fixedClock, MINUTE_MS } from '../../src/main/domain/clock';
import { DomainError } from '../../src/main/domain/errors';
import { createIntegrations } from '../../src/main/integrations';
import { ZoomMeetingGateway } from '../../src/main/integrations/zoom';
import { pollStripeEvents } from '../../src/main/jobs';
import type { Logger } from '../../src/main/log';
import { createOutboxWorker, type OutboxWorker } from '../../src/main/outbox/worker';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox, type SandboxMeeting } from '../../src/main/sandbox/zoom';
import { createServices, type Services } from '../../src/main/services';
import {
  GatewayNoAnswer,
  GatewayRefused,
  GatewayUnavailable,
  type PaymentGateway,
} from '../../src/main/services/gateways';
import type { UnitOfWork } from '../../src/main/services/ports';
import { prismaUnitOfWork } from '../../src/main/db/repositories';
import type { SimDatabase } from './sim-db';

export const SIM_START = new Date('2027-03-01T08:00:00Z');

/** The process died between Stripe's answer and our commit (or an action of the dead process). */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** An invariant that does not hold: the simulation's failure, with the numbers that show it. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly invariant: string,
    message: string,
    readonly numbers: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const CRASH_TARGETS = [
  'createPaymentIntent',
  'confirmPaymentIntent',
  'cancelPaymentIntent',
  'createRefund',
  'retrievePaymentIntent',
  'listRefunds',
  'any money call',
] as const;
export type CrashTarget = (typeof CRASH_TARGETS)[number];
const MONEY_CALLS = new Set(['createPaymentIntent', 'confirmPaymentIntent', 'cancelPaymentIntent', 'createRefund']);

type StaffActor = Extract<Actor, { kind: 'STAFF' }>;

export interface Cast {
  admins: [StaffActor, StaffActor];
  finance: [StaffActor, StaffActor];
  support: StaffActor;
  students: { id: number; email: string }[];
  teachers: { id: number; email: string }[];
  /** Gigs in a fixed order: cheap USD, expensive USD (four-eyes refunds), JPY. */
  gigs: { id: number; teacherId: number; label: string }[];
}

export interface WorldOptions {
  stripeTimeoutMs: number;
  zoomTimeoutMs: number;
  stepTimeoutMs: number;
  /** Step durations in the trace. */
  timings?: boolean;
  /** Invariant ids (`*` matches anything) whose violations are known and only counted, not failed on. */
  ignore: readonly string[];
}

/** Where an exception came from decides whether it is a legal outcome. */
export type Entry = 'use-case' | 'system';

export interface Step {
  readonly entry: Entry;
  label(): string;
  act(world: World): Promise<string>;
}

interface Life {
  dead: boolean;
}

export interface App {
  readonly generation: number;
  readonly life: Life;
  readonly services: Services;
  readonly outbox: OutboxWorker;
  /** A second worker over the same tables (another host), for concurrent deliveries. */
  readonly outbox2: OutboxWorker;
  readonly gateway: PaymentGateway;
  /** What pollStripeEvents needs of the app's container. */
  readonly container: Container;
}

/**
 * The app's Stripe gateway, able to die right after Stripe answered so that nothing of that call is
 * committed. A proxy rather than a class, so it wraps whatever the PaymentGateway port offers.
 */
function crashableGateway(inner: PaymentGateway, world: World, life: Life): PaymentGateway {
  const call = async (method: string, work: () => Promise<unknown>): Promise<unknown> => {
    const armed = world.crash;
    const hits = armed !== null && (armed === method || (armed === 'any money call' && MONEY_CALLS.has(method)));
    if (!hits) return work();
    world.crash = null;
    let answer = 'answered';
    try {
      await work();
    } catch (error) {
      answer = `answered with ${error instanceof Error ? error.name : 'an error'}`;
    }
    life.dead = true;
    world.crashes += 1;
    throw new SimulatedCrash(`process crashed after Stripe ${answer} ${method}, before anything was committed`);
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      // verifyWebhook is synchronous and moves nothing; `mode` is a value.
      if (typeof value !== 'function' || property === 'verifyWebhook') return value;
      const method = String(property);
      return (...args: unknown[]) => {
        if (life.dead) return Promise.reject(new SimulatedCrash(`the crashed process called Stripe (${method})`));
        return call(method, () => (value as (...inner: unknown[]) => Promise<unknown>).apply(target, args));
      };
    },
  });
}

/** A dead process commits nothing: its transactions fail from the crash on. */
function crashableUow(inner: UnitOfWork, life: Life): UnitOfWork {
  // Statements outside transactions (reads, and single-statement writes such as a claim or a recorded
  // Stripe id) fail too once the process is dead.
  const dead = () => Promise.reject(new SimulatedCrash('the crashed process ran a statement'));
  const read = new Proxy(inner.read, {
    get: (repositories, name, receiver) => {
      const repository = Reflect.get(repositories, name, receiver) as object;
      return new Proxy(repository, {
        get: (target, method, self) => {
          const value = Reflect.get(target, method, self) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) =>
            life.dead ? dead() : (value as (...a: unknown[]) => unknown).apply(target, args);
        },
      });
    },
  });
  return {
    read,
    transaction: (work) =>
      life.dead ? Promise.reject(new SimulatedCrash('the crashed process tried to commit')) : inner.transaction(work),
  };
}

/** Is this exception a legal outcome of a step (a refusal), or a failure? */
export function classify(error: unknown, entry: Entry): 'legal' | 'crash' | 'unexpected' {
  if (error instanceof SimulatedCrash) return 'crash';
  if (error instanceof DomainError) return 'legal';
  if (
    entry === 'system' &&
    (error instanceof GatewayNoAnswer || error instanceof GatewayRefused || error instanceof GatewayUnavailable)
  )
    return 'legal';
  return 'unexpected';
}

export function describeError(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** One line, for a step's outcome in the trace. */
const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 400)}…` : flat;
};

let worldSequence = 0;

export class World {
  readonly clock = fixedClock(SIM_START);
  readonly stripe: StripeSandbox;
  readonly zoom: ZoomSandbox;
  readonly smtp: SmtpSandbox;
  /** Every meeting the Zoom sandbox ever stored (deleted ones too), for "exactly once". */
  readonly meetingsCreated: SandboxMeeting[] = [];
  readonly trace: string[] = [];
  /** Violations of ignored invariants, counted instead of failing the run. */
  readonly ignored = new Map<string, number>();
  /** Outcomes that look odd but are legal (a race the system reports as it should), counted. */
  readonly expected = new Map<string, number>();
  crash: CrashTarget | null = null;
  crashes = 0;
  restarts = 0;
  stepNo = 0;
  zoomDownSteps = 0;
  smtpDownSteps = 0;
  private smtpPort = 0;
  private generation = 0;
  private app_: App | null = null;
  private cast_: Cast | null = null;
  readonly tag: string;
  readonly logger: Logger;

  private constructor(
    readonly sim: SimDatabase,
    readonly options: WorldOptions,
  ) {
    const now = () => this.clock.now().getTime();
    this.stripe = new StripeSandbox({ clock: now, asyncTimers: false, asyncDelayMs: 60_000 });
    this.zoom = new ZoomSandbox({ clock: now });
    this.smtp = new SmtpSandbox();
    const meetings = this.zoom.meetings;
    const set = meetings.set.bind(meetings);
    meetings.set = (id, meeting) => {
      if (!meetings.has(id)) this.meetingsCreated.push(meeting);
      return set(id, meeting);
    };
    worldSequence += 1;
    this.tag = `${process.pid.toString(36)}-${worldSequence.toString(36)}`;
    this.logger = {
      info: () => undefined,
      warn: (message) => this.note(`  warn: ${message}`),
      error: (message, error) => this.note(`  error: ${message} ${error instanceof Error ? error.message : ''}`),
    };
  }

  static async create(sim: SimDatabase, options: WorldOptions): Promise<World> {
    await sim.reset();
    const world = new World(sim, options);
    await Promise.all([world.stripe.start(), world.zoom.start(), world.smtp.start()]);
    world.smtpPort = Number(new URL(world.smtp.url).port);
    world.app_ = await world.buildApp();
    world.cast_ = await world.buildCast();
    return world;
  }

  get app(): App {
    if (!this.app_) throw new Error('the world has no app');
    return this.app_;
  }

  get cast(): Cast {
    if (!this.cast_) throw new Error('the world has no cast');
    return this.cast_;
  }

  /** Whether violations of this invariant are known and only counted (`--ignore`, `*` wildcards). */
  ignores(invariant: string): boolean {
    return this.options.ignore.some((pattern) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ).test(invariant),
    );
  }

  note(line: string): void {
    this.trace.push(line);
  }

  /** The composition of src/main/container.ts, over a crashable gateway and unit of work. */
  private async buildApp(): Promise<App> {
    this.generation += 1;
    const life: Life = { dead: false };
    const integrations = await createIntegrations(
      {},
      {
        sandboxes: { stripe: this.stripe, zoom: this.zoom, smtp: this.smtp },
        stripeTimeoutMs: this.options.stripeTimeoutMs,
        stripeRetries: 0,
      },
    );
    // The same Zoom adapter the app uses, with a short timeout so a lost answer is cheap here.
    const meetings = new ZoomMeetingGateway({
      accountId: this.zoom.accountId,
      clientId: this.zoom.clientId,
      clientSecret: this.zoom.clientSecret,
      baseUrl: this.zoom.url,
      timeoutMs: this.options.zoomTimeoutMs,
    });
    const gateway = crashableGateway(integrations.gateway, this, life);
    const uow = crashableUow(prismaUnitOfWork(this.sim.db), life);
    // No event bus and no delivery kick: the outbox runs only when a step drains it, so a seed
    // replays the same way (consoles' live updates are not part of what is simulated).
    const services = createServices({ uow, clock: this.clock }, { gateway });
    const worker = () =>
      createOutboxWorker({
        uow,
        clock: this.clock,
        logger: this.logger,
        meetings,
        mailer: integrations.mailer,
        intents: services.payments,
        submitRefund: services.refunds.submit,
        reverseTransfer: (id) => services.payouts.transfers.reverse(id),
      });
    const outbox = worker();
    const outbox2 = worker();
    // What pollStripeEvents (src/main/jobs.ts) reads of a container.
    const container = {
      db: this.sim.db,
      uow,
      services,
      clock: this.clock,
      integrations: { ...integrations, gateway, meetings },
      outbox,
    } as unknown as Container;
    return { generation: this.generation, life, services, outbox, outbox2, gateway, container };
  }

  private async buildCast(): Promise<Cast> {
    const uow = this.app.container.uow;
    const staff = async (role: StaffActor['role'], name: string): Promise<StaffActor> => {
      const created = await uow.transaction((repos) =>
        repos.staff.create({
          email: `${name}-${this.tag}@sim.test`,
          name,
          role,
          passwordHash: 'x',
          createdAt: this.clock.now(),
        }),
      );
      return { kind: 'STAFF', id: created.id, role };
    };
    const admins: [StaffActor, StaffActor] = [await staff('ADMIN', 'admin1'), await staff('ADMIN', 'admin2')];
    const finance: [StaffActor, StaffActor] = [await staff('FINANCE', 'finance1'), await staff('FINANCE', 'finance2')];
    const support = await staff('SUPPORT', 'support');
    const people = this.app.services.people;
    const admin = admins[0];
    const person = async (kind: 'student' | 'teacher', name: string) => {
      const email = `${name}-${this.tag}@sim.test`;
      const created = await people.create(admin, { kind, email, name });
      return { id: created.id, email };
    };
    const students = [await person('student', 'student1'), await person('student', 'student2')];
    const teacher1 = await person('teacher', 'teacher1');
    const teacher2 = await person('teacher', 'teacher2');
    const teachers = [teacher1, teacher2];
    const gig = async (teacher: { id: number }, label: string, rate: number, currency: 'USD' | 'JPY') => {
      const created = await people.createGig(admin, {
        teacherId: teacher.id,
        title: label,
        language: 'Spanish',
        hourlyRateMinor: rate,
        currency,
      });
      return { id: created.id, teacherId: teacher.id, label };
    };
    const gigs = [
      await gig(teacher1, 'cheap USD 30/h', 3_000, 'USD'),
      await gig(teacher2, 'dear USD 120/h', 12_000, 'USD'),
      await gig(teacher1, 'JPY 16000/h', 16_000, 'JPY'),
    ];
    return { admins, finance, support, students, teachers, gigs };
  }

  /** A new process over the same database and sandboxes, reconciling at start-up (startup.ts). */
  async restart(why: string): Promise<void> {
    this.app.life.dead = true;
    this.restarts += 1;
    const fresh = await this.buildApp();
    this.app_ = fresh;
    this.note(`  restart #${this.restarts} (${why}); start-up reconciliation:`);
    try {
      const report = await this.app.services.reconciliation.run();
      this.note(
        `    checked ${report.checked}, settled ${report.settled}, new mismatches ${report.mismatches}${report.errors.length > 0 ? `, errors: ${report.errors.join('; ')}` : ''}`,
      );
    } catch (error) {
      // startup.ts logs and carries on when Stripe cannot be reached.
      if (classify(error, 'system') === 'unexpected') throw error;
      this.note(`    could not reach Stripe: ${describeError(error)}`);
    }
    if (fresh.life.dead) await this.restart('crashed during start-up reconciliation');
  }

  async smtpOutage(steps: number): Promise<void> {
    if (this.smtpDownSteps === 0) await this.smtp.stop();
    this.smtpDownSteps = Math.max(this.smtpDownSteps, steps);
  }

  zoomOutage(steps: number): void {
    if (this.zoomDownSteps === 0) this.zoom.faults.failNext(10_000, { kind: 'status', status: 503 });
    this.zoomDownSteps = Math.max(this.zoomDownSteps, steps);
  }

  private async endOutages(all: boolean): Promise<void> {
    if (this.smtpDownSteps > 0) {
      this.smtpDownSteps = all ? 0 : this.smtpDownSteps - 1;
      if (this.smtpDownSteps === 0) {
        await this.smtp.start(this.smtpPort);
        this.note('  (the mail server is back)');
      }
    }
    if (this.zoomDownSteps > 0) {
      this.zoomDownSteps = all ? 0 : this.zoomDownSteps - 1;
      if (this.zoomDownSteps === 0) {
        this.zoom.faults.clear();
        this.note('  (Zoom is back)');
      }
    }
  }

  /** Runs a step: a refusal is a legal outcome, a crash restarts the app, anything else fails the run. */
  async runStep(step: Step, check: (world: World) => Promise<void>): Promise<void> {
    this.stepNo += 1;
    const label = step.label();
    const began = performance.now();
    let outcome: string;
    try {
      outcome = await this.withTimeout(step.act(this), label);
    } catch (error) {
      try {
        outcome = this.outcomeOf(error, step.entry, label);
      } catch (violation) {
        this.note(`${String(this.stepNo).padStart(3)}. ${label}  →  VIOLATION (below)`);
        throw violation;
      }
    }
    this.note(
      `${String(this.stepNo).padStart(3)}. ${label}  →  ${outcome}${this.options.timings ? `  [${(performance.now() - began).toFixed(0)} ms]` : ''}`,
    );
    if (this.app.life.dead) await this.restart('after a crash');
    await this.endOutages(false);
    await check(this);
  }

  /** The outcome of a failed action, or a violation when the exception is not a legal one. */
  outcomeOf(error: unknown, entry: Entry, label: string): string {
    if (error instanceof InvariantViolation) throw error;
    const kind = classify(error, entry);
    if (kind === 'legal') return `refused (${oneLine(describeError(error))})`;
    if (kind === 'crash') return `CRASH: ${(error as Error).message}`;
    const id = `exception:${label.split('(')[0] ?? label}:${error instanceof Error ? error.name : 'non-error'}`;
    if (this.ignores(id)) {
      this.ignored.set(id, (this.ignored.get(id) ?? 0) + 1);
      return `ignored exception ${oneLine(describeError(error))}`;
    }
    const where =
      error instanceof Error && error.stack
        ? error.stack.split('\n').filter((line) => line.trimStart().startsWith('at '))
        : [];
    throw new InvariantViolation(
      id,
      `${label} threw an exception that is not a domain refusal: ${describeError(error)
        .replace(/\n\s*\n/g, '\n')
        .trim()}${where.length > 0 ? `\n${where.slice(0, 6).join('\n')}` : ''}`,
    );
  }

  async withTimeout<T>(work: Promise<T>, label: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new InvariantViolation('step-hung', `${label} did not finish within ${this.options.stepTimeoutMs} ms`),
          ),
        this.options.stepTimeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A system pass during quiescence: refusals and unreachable services are expected, bugs are not. */
  private async system(label: string, work: () => Promise<unknown>): Promise<void> {
    try {
      const result = await this.withTimeout(work(), label);
      if (result && typeof result === 'object' && 'errors' in result) {
        const errors = (result as { errors: string[] }).errors;
        if (errors.length > 0) this.note(`  ${label}: ${errors.join('; ')}`);
      }
    } catch (error) {
      this.note(`  ${label}: ${this.outcomeOf(error, 'system', label)}`);
    }
    if (this.app.life.dead) await this.restart(`crashed during ${label}`);
  }

  /**
   * The end of a run: faults cleared, services up, Stripe's asynchronous outcomes settled, events
   * polled, reconciliation run and the outbox drained a few times with the clock moved past every
   * backoff and lease; failed deliveries retried once as staff would.
   */
  async quiesce(): Promise<void> {
    this.note('--- quiesce: faults cleared, services up, time passes, Stripe settles, polls, reconciles, drains');
    this.crash = null;
    this.stripe.faults.clear();
    await this.endOutages(true);
    this.zoom.faults.clear();
    if (this.app.life.dead) await this.restart('dead at the end of the run');
    for (let round = 0; round < 4; round += 1) {
      this.clock.advance(61 * MINUTE_MS);
      this.stripe.settleAsync();
      await this.system('poll Stripe events', () => pollStripeEvents(this.app.container, this.logger));
      await this.system('reconcile', () => this.app.services.reconciliation.run());
      await this.system('drain outbox', () => this.app.outbox.drain());
      if (round === 1) {
        const failed = await this.sim.query<{ id: number; key: string }>(
          `SELECT id, key FROM "OutboxMessage" WHERE status = 'FAILED' ORDER BY id`,
        );
        for (const row of failed) {
          this.note(`  staff retries the failed delivery ${row.key}`);
          await this.system('retry delivery', () =>
            this.app.services.deliveries.retry(this.cast.admins[0], { id: row.id }),
          );
        }
      }
    }
  }

  async dispose(): Promise<void> {
    this.app_?.outbox.stop();
    this.app_?.outbox2.stop();
    await Promise.allSettled([
      this.stripe.stop(),
      this.zoom.stop(),
      this.smtpDownSteps > 0 ? Promise.resolve() : this.smtp.stop(),
    ]);
  }
}

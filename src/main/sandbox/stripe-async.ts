/**
 * Stripe's "some time later" [facts §3, docs.stripe.com/testing "Simulate an asynchronous refund"]: a transition
 * that happens after the API call answered (a pending refund succeeding, a refund failing).
 *
 * Each transition is due `asyncDelayMs` after it was scheduled, on the sandbox's clock. It runs:
 * - on a timer of that many milliseconds (armed while the sandbox is started, unless timers are turned off;
 *   re-armed for what is still due after a restart),
 * - on `tick()`, which runs every transition whose due time the clock has reached (for an injected clock),
 * - on `settleAll()`, which runs every pending transition now, due or not (for deterministic tests).
 */
export interface AsyncJob {
  /** The refund that changes. */
  refundId: string;
  to: 'succeeded' | 'failed';
  failureReason: string | null;
  /** Ms on the sandbox's clock. */
  dueAt: number;
}

export class AsyncScheduler {
  private readonly jobs = new Map<string, AsyncJob>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private armed = false;

  constructor(
    private readonly clock: () => number,
    private readonly useTimers: boolean,
    private readonly run: (job: AsyncJob) => void,
  ) {}

  add(job: AsyncJob): void {
    this.jobs.set(job.refundId, job);
    if (this.armed) this.arm(job);
  }

  /** Loading from disk. */
  restore(job: AsyncJob): void {
    this.jobs.set(job.refundId, job);
  }

  forget(refundId: string): void {
    this.jobs.delete(refundId);
    this.disarm(refundId);
  }

  start(): void {
    this.armed = true;
    for (const job of this.jobs.values()) this.arm(job);
  }

  stop(): void {
    this.armed = false;
    for (const id of [...this.timers.keys()]) this.disarm(id);
  }

  /** Runs what the clock says is due; returns how many ran. */
  tick(): number {
    const now = this.clock();
    const due = [...this.jobs.values()].filter((job) => job.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const job of due) this.runOne(job.refundId);
    return due.length;
  }

  /** Runs every pending transition now; returns how many ran. */
  settleAll(): number {
    const all = [...this.jobs.values()].sort((a, b) => a.dueAt - b.dueAt);
    for (const job of all) this.runOne(job.refundId);
    return all.length;
  }

  pending(): AsyncJob[] {
    return [...this.jobs.values()];
  }

  private arm(job: AsyncJob): void {
    if (!this.useTimers || this.timers.has(job.refundId)) return;
    const timer = setTimeout(() => this.runOne(job.refundId), Math.max(0, job.dueAt - this.clock()));
    timer.unref();
    this.timers.set(job.refundId, timer);
  }

  private disarm(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  private runOne(id: string): void {
    const job = this.jobs.get(id);
    this.forget(id);
    if (job) this.run(job);
  }
}

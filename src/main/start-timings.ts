/**
 * Where a start spends its time (issue 10, point 8): each phase with its milliseconds, from the
 * process's own start when known. `--verbose` prints them (scripts/serve.ts, npm start), and
 * `npm run bench` measures a whole start with them (scripts/bench-start.ts).
 */
export interface StartPhase {
  name: string;
  ms: number;
  /** Done after the console was usable (it did not hold the start up). */
  background: boolean;
}

export class StartTimer {
  readonly phases: StartPhase[] = [];
  private readonly origin = performance.now();
  private usableAt: number | null = null;

  /** Runs `work` as the phase `name`. */
  async time<T>(name: string, work: () => Promise<T>, background = false): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.phases.push({ name, ms: performance.now() - started, background });
    }
  }

  /** The console answers from now on. */
  markUsable(): void {
    this.usableAt ??= performance.now();
  }

  /** Milliseconds from the timer's creation until the console was usable (null before that). */
  get usableMs(): number | null {
    return this.usableAt === null ? null : this.usableAt - this.origin;
  }

  /** Milliseconds from the process's start (Node's clock origin) until the console was usable. */
  get usableSinceProcessStartMs(): number | null {
    return this.usableAt;
  }

  lines(): string[] {
    const format = (ms: number) => `${Math.round(ms).toString().padStart(6)} ms`;
    const lines = this.phases.filter((phase) => !phase.background).map((phase) => `${format(phase.ms)}  ${phase.name}`);
    if (this.usableAt !== null) {
      lines.push(`${format(this.usableAt - this.origin)}  usable (from the start of the start-up)`);
      lines.push(`${format(this.usableAt)}  usable (from the process's start, module loading included)`);
    }
    for (const phase of this.phases.filter((entry) => entry.background))
      lines.push(`${format(phase.ms)}  ${phase.name} (after the console was usable)`);
    return lines;
  }
}

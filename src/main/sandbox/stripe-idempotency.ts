import { createHash } from 'node:crypto';

/**
 * Stripe's idempotency layer [facts §1, D1]:
 * - POST only; keys up to 255 characters.
 * - The first answer that ran (status and body, errors included) is saved and replayed for any later request
 *   with the same key and the same parameters, with `Idempotent-Replayed: true`.
 * - The same key with other parameters (or another endpoint) is a 400 `idempotency_error`.
 * - A key whose first request is still running answers 409 `idempotency_key_in_use`, and nothing is saved for
 *   the colliding request.
 * - Keys are kept "for at least 24 hours": here exactly 24 hours of the sandbox's clock, after which the key is
 *   forgotten and a request with it runs anew.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_KEY_LENGTH = 255;

export interface SavedAnswer {
  /** Hash of method, path and parameters of the first request. */
  fingerprint: string;
  status: number;
  body: string;
  /** The first request's id (sent back as `Original-Request` on replays). */
  requestId: string;
  /** When it was saved, ms on the sandbox's clock. */
  savedAt: number;
}

/** Parameters in a canonical form: the same request, however its form fields were ordered, hashes the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, inner]) => [key, canonical(inner)]),
    );
  return value;
}

export function fingerprintOf(method: string, path: string, params: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path} ${JSON.stringify(canonical(params))}`)
    .digest('hex');
}

export class IdempotencyStore {
  /** Saved answers in the order they were saved. */
  private readonly answers = new Map<string, SavedAnswer>();
  private readonly running = new Set<string>();

  constructor(
    private readonly clock: () => number,
    readonly ttlMs = IDEMPOTENCY_TTL_MS,
  ) {}

  /** The saved answer for a key, unless it has expired (then the key is forgotten). */
  find(key: string): SavedAnswer | undefined {
    const answer = this.answers.get(key);
    if (answer && this.expired(answer)) {
      this.answers.delete(key);
      return undefined;
    }
    return answer;
  }

  save(key: string, answer: SavedAnswer): void {
    this.answers.delete(key);
    this.answers.set(key, answer);
    // The oldest answers come first: drop expired ones from the front as we go, so memory stays bounded.
    for (const [oldKey, old] of this.answers) {
      if (!this.expired(old)) break;
      this.answers.delete(oldKey);
    }
  }

  /** Loading from disk: expired answers are dropped. */
  restore(key: string, answer: SavedAnswer): void {
    if (this.expired(answer)) this.answers.delete(key);
    else this.save(key, answer);
  }

  /** Marks a key as running; false when a request with it is already running (Stripe's 409). */
  begin(key: string): boolean {
    if (this.running.has(key)) return false;
    this.running.add(key);
    return true;
  }

  end(key: string): void {
    this.running.delete(key);
  }

  /** The answers still kept, for compaction. */
  *live(): Generator<[string, SavedAnswer]> {
    for (const entry of this.answers) if (!this.expired(entry[1])) yield entry;
  }

  get size(): number {
    return this.answers.size;
  }

  private expired(answer: SavedAnswer): boolean {
    return this.clock() - answer.savedAt >= this.ttlMs;
  }
}

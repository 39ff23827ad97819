import { AsyncLocalStorage } from 'node:async_hooks';
import type { Container } from '../src/main/container';

/**
 * Where a benchmark's time goes, measured from outside the product: the container's own objects
 * (the unit of work and its repositories, the Stripe gateway, the meetings and mail clients) get
 * their methods wrapped in place, and each call's duration is added to a category. A call made
 * inside `timing.request(…)` counts for the request path; anything else (the outbox worker,
 * listeners) for the background. Concurrent calls overlap, so these are busy times, not wall time.
 */
export type Category = 'db' | 'stripe' | 'zoom' | 'mail';
type Path = 'request' | 'background';

export interface Timing {
  request<T>(work: () => Promise<T>): Promise<T>;
  reset(): void;
  /** Milliseconds per category and path since the last reset. */
  totals(): Record<Path, Record<Category, number>>;
  /** Calls per "path category.method" since the last reset (to see what a flow asks for). */
  calls(): Map<string, number>;
}

const empty = (): Record<Category, number> => ({ db: 0, stripe: 0, zoom: 0, mail: 0 });

export function instrument(container: Container): Timing {
  const context = new AsyncLocalStorage<Path>();
  let totals: Record<Path, Record<Category, number>> = { request: empty(), background: empty() };
  // A repository call inside a transaction is already inside the transaction's time.
  const inTransaction = new AsyncLocalStorage<boolean>();

  let calls = new Map<string, number>();
  const count = (key: string) => {
    const full = `${context.getStore() ?? 'background'} ${key}`;
    calls.set(full, (calls.get(full) ?? 0) + 1);
  };
  const wrapAll = (target: object, category: Category, label = category as string) => {
    const record = target as Record<string, unknown>;
    const names = new Set<string>();
    for (
      let proto: object | null = target;
      proto && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto) as object | null
    )
      for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
    for (const name of names) {
      const original = record[name];
      if (typeof original !== 'function') continue;
      record[name] = function timed(this: unknown, ...args: unknown[]) {
        if (category === 'db' && inTransaction.getStore())
          return (original as (...a: unknown[]) => unknown).apply(target, args);
        count(`${label}.${name}`);
        const started = performance.now();
        const result = (original as (...a: unknown[]) => unknown).apply(target, args);
        const add = () => {
          totals[context.getStore() ?? 'background'][category] += performance.now() - started;
        };
        if (result instanceof Promise) return result.finally(add);
        add();
        return result;
      };
    }
  };

  for (const [name, repository] of Object.entries(container.uow.read)) wrapAll(repository as object, 'db', name);
  const transaction = container.uow.transaction.bind(container.uow);
  (container.uow as { transaction: typeof transaction }).transaction = (work) => {
    count('db.transaction');
    const started = performance.now();
    return inTransaction
      .run(true, () => transaction(work))
      .finally(() => {
        totals[context.getStore() ?? 'background'].db += performance.now() - started;
      });
  };
  // The outbox worker is kicked from inside a request (after its commit): its passes are background.
  const outbox = container.outbox as unknown as Record<'kick' | 'drain', (...args: unknown[]) => unknown>;
  for (const name of ['kick', 'drain'] as const) {
    const original = outbox[name].bind(container.outbox);
    outbox[name] = (...args: unknown[]) => context.run('background', () => original(...args));
  }
  wrapAll(container.integrations.gateway, 'stripe');
  wrapAll(container.integrations.meetings, 'zoom');
  wrapAll(container.integrations.mailer, 'mail');

  return {
    request: (work) => context.run('request', work),
    reset: () => {
      totals = { request: empty(), background: empty() };
      calls = new Map();
    },
    totals: () => totals,
    calls: () => calls,
  };
}

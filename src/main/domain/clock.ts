/** Time is injected so the domain and services are deterministic under test. */
export interface Clock {
  now(): Date;
}

export function fixedClock(initial: Date): Clock & { set(at: Date): void; advance(ms: number): void } {
  let current = new Date(initial.getTime());
  return {
    now: () => new Date(current.getTime()),
    set: (at) => {
      current = new Date(at.getTime());
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

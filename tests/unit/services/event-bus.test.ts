import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type StampedEvent } from '../../../src/main/services/events';
import type { EventLogRecord } from '../../../src/main/services/ports';

const row = (id: number): EventLogRecord => ({
  id,
  type: 'settings.changed',
  payload: { type: 'settings.changed', at: '2026-11-28T12:00:00.000Z' },
  at: new Date('2026-11-28T12:00:00.000Z'),
});

/** A shared log (several hosts) whose reads fail `failures` times before they answer. */
function flakyLog(rows: EventLogRecord[], failures: number) {
  let left = failures;
  return {
    reads: 0,
    after(id: number, limit: number): Promise<EventLogRecord[]> {
      this.reads += 1;
      if (left > 0) {
        left -= 1;
        return Promise.reject(new Error('connection lost'));
      }
      return Promise.resolve(rows.filter((candidate) => candidate.id > id).slice(0, limit));
    },
    latestId: () => Promise.resolve(0),
    oldestId: () => Promise.resolve(null),
  };
}

describe('the event bus on a shared log', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("announces this host's own commit without reading the log when it directly follows what was seen", async () => {
    const log = flakyLog([row(1), row(2), row(3)], 0);
    const bus = new EventBus(log, false);
    await bus.open();
    const heard: number[] = [];
    bus.subscribe((stamped) => heard.push(stamped.id));
    bus.committed([row(1)]);
    bus.committed([row(2), row(3)]);
    expect(heard).toEqual([1, 2, 3]);
    expect(log.reads).toBe(0);
  });

  it('reads the log when a commit does not follow what was seen: another host’s rows come first, in order', async () => {
    // Row 2 is another host's (its NOTIFY not handled yet), row 4 follows a rolled-back id 3.
    const log = flakyLog([row(1), row(2), row(4)], 0);
    const bus = new EventBus(log, false);
    await bus.open();
    const heard: number[] = [];
    bus.subscribe((stamped) => heard.push(stamped.id));
    bus.committed([row(1)]);
    expect(log.reads).toBe(0);
    bus.committed([row(4)]);
    await vi.waitFor(() => expect(heard).toEqual([1, 2, 4]));
    expect(log.reads).toBe(1);
  });

  it("announces this host's own commit even when the read after it fails: it reads again until it succeeds", async () => {
    vi.useFakeTimers();
    const log = flakyLog([row(1), row(2)], 2);
    const bus = new EventBus(log, false);
    await bus.open();
    const heard: StampedEvent[] = [];
    bus.subscribe((stamped) => heard.push(stamped));
    bus.committed([row(2)]); // row 1 (another host's) unseen: the log must be read
    await vi.advanceTimersByTimeAsync(0);
    expect(heard).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(heard).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(heard.map((stamped) => stamped.id)).toEqual([1, 2]);
    expect(log.reads).toBe(3);
    bus.close();
  });

  it('stops trying once closed', async () => {
    vi.useFakeTimers();
    const log = flakyLog([row(1), row(2)], 100);
    const bus = new EventBus(log, false);
    bus.committed([row(2)]);
    await vi.advanceTimersByTimeAsync(0);
    bus.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(log.reads).toBe(1);
  });
});

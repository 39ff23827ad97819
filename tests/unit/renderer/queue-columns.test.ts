import { describe, expect, it } from 'vitest';
import { queueColumns, queueGrid, widthNeeded } from '../../../src/renderer/src/features/bookings/queue-columns';

describe('queue columns by width', () => {
  it('shows every column on a wide table', () => {
    expect(queueColumns(1400)).toHaveLength(10);
  });

  it.each([600, 700, 760, 800, 900, 1000, 1100, 1200])(
    'at %i px keeps Total, Status and Payment and fits without horizontal scrolling',
    (width) => {
      const columns = queueColumns(width);
      expect(columns).toContain('totalMinor');
      expect(columns.includes('states') || (columns.includes('status') && columns.includes('paymentStatus'))).toBe(
        true,
      );
      if (width >= 700) expect(widthNeeded(columns)).toBeLessThanOrEqual(width);
    },
  );

  it('drops length first and keeps requested longer', () => {
    const columns = queueColumns(widthNeeded(queueColumns(2000)) - 1);
    expect(columns).not.toContain('minutes');
    expect(columns).toContain('createdAt');
  });

  it('lets the people columns take the room left over', () => {
    expect(queueGrid(['id', 'studentName', 'totalMinor'])).toBe('60px minmax(110px, 1.3fr) 100px');
  });
});

describe('queue CSV', () => {
  it('is one table with exact decimals per currency and UTC instants', async () => {
    const { parse } = await import('csv-parse/sync');
    const { toCsv } = await import('../../../src/renderer/src/features/revenue/csv-table');
    const { queueTable, QUEUE_CSV_HEADER } = await import('../../../src/renderer/src/features/bookings/queue-csv');
    const base = {
      startsAt: new Date('2026-12-01T09:30:00Z'),
      teacherName: 'Tomás',
      language: 'Spanish',
      minutes: 90,
      status: 'CONFIRMED',
      paymentStatus: 'PAID',
      createdAt: new Date('2026-11-28T10:00:00Z'),
    };
    const rows = parse(
      toCsv(
        queueTable([
          { ...base, id: 4, studentName: 'Ana, "Ani"', currency: 'USD', totalMinor: 7875 },
          { ...base, id: 5, studentName: '=HYPERLINK()', currency: 'JPY', totalMinor: 2363 },
        ]),
      ),
    );
    expect(rows[0]).toEqual(QUEUE_CSV_HEADER);
    expect(rows[1]).toEqual([
      '4',
      '2026-12-01T09:30:00.000Z',
      'Ana, "Ani"',
      'Tomás',
      'Spanish',
      '90',
      'USD',
      '78.75',
      'CONFIRMED',
      'PAID',
      '2026-11-28T10:00:00.000Z',
    ]);
    expect(rows[2]?.[2]).toBe("'=HYPERLINK()");
    expect(rows[2]?.[7]).toBe('2363');
  });
});

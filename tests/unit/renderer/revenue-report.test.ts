import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../src/renderer/src/features/revenue/csv-table';
import {
  periodsOf,
  presetRange,
  rangeInstants,
  revenueTable,
  teacherTable,
  type CurrencyReport,
} from '../../../src/renderer/src/features/revenue/report';

const figures = (gross: number, refunded = 0, count = 1) => ({
  count,
  grossMinor: gross,
  teacherMinor: Math.floor(gross * 0.9),
  platformMinor: gross - Math.floor(gross * 0.9),
  refundedMinor: refunded,
  netMinor: gross - refunded,
});

const usd: CurrencyReport = {
  currency: 'USD',
  rows: [
    { period: new Date('2026-11-02T00:00:00Z'), ...figures(7875, 1000) },
    { period: new Date('2026-11-04T00:00:00Z'), ...figures(5250) },
  ],
  totals: figures(13125, 1000, 2),
  teachers: [{ teacherId: 7, teacherName: 'Ana, "la profe"', ...figures(13125, 1000, 2) }],
};
const jpy: CurrencyReport = {
  currency: 'JPY',
  rows: [{ period: new Date('2026-11-03T00:00:00Z'), ...figures(2363) }],
  totals: figures(2363),
  teachers: [{ teacherId: 3, teacherName: 'Kenji', ...figures(2363) }],
};

describe('revenue ranges', () => {
  const today = new Date('2026-11-28T15:00:00Z');
  it.each([
    ['thisMonth', '2026-11-01', '2026-11-30'],
    ['lastMonth', '2026-10-01', '2026-10-31'],
    ['thisQuarter', '2026-10-01', '2026-12-31'],
    ['lastQuarter', '2026-07-01', '2026-09-30'],
  ] as const)('%s is %s to %s, both included', (preset, from, to) => {
    expect(presetRange(preset, today)).toEqual({ from, to });
  });

  it('crosses a year backwards', () => {
    expect(presetRange('lastMonth', new Date('2027-01-05T00:00:00Z'))).toEqual({
      from: '2026-12-01',
      to: '2026-12-31',
    });
    expect(presetRange('lastQuarter', new Date('2027-02-05T00:00:00Z'))).toEqual({
      from: '2026-10-01',
      to: '2026-12-31',
    });
  });

  it('asks the server up to the start of the day after the inclusive end', () => {
    expect(rangeInstants({ from: '2026-11-01', to: '2026-11-30' })).toEqual({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
    expect(rangeInstants({ from: '2026-11-02', to: '2026-11-01' })).toBeNull();
    expect(rangeInstants({ from: '', to: '2026-11-01' })).toBeNull();
  });

  it('lists every day and every month of the range, empty ones included', () => {
    expect(periodsOf({ from: '2026-11-01', to: '2026-11-04' }, 'day')).toEqual([
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
    ]);
    expect(periodsOf({ from: '2026-10-15', to: '2027-01-02' }, 'month')).toEqual([
      '2026-10',
      '2026-11',
      '2026-12',
      '2027-01',
    ]);
  });
});

describe('revenue CSV', () => {
  const range = { from: '2026-11-01', to: '2026-11-04' };

  it('is one table: a header naming each currency and unit, one row per day, exact decimals, zeros on empty days', () => {
    const text = toCsv(revenueTable([usd, jpy], range, 'day'));
    const rows = parse(text);
    const [head, ...body] = rows;
    expect(head?.[0]).toBe('day (UTC)');
    expect(head).toContain('USD gross (USD, major units, 2 decimals)');
    expect(head).toContain('USD net after refunds (USD, major units, 2 decimals)');
    expect(head).toContain('JPY gross (JPY, major units, 0 decimals)');
    expect(head).toContain('JPY sessions (count)');
    expect(body.map((row) => row[0])).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04']);
    const column = (name: string) => head?.indexOf(name) ?? -1;
    const day2 = body[1] ?? [];
    expect(day2[column('USD gross (USD, major units, 2 decimals)')]).toBe('78.75');
    expect(day2[column('USD refunded (USD, major units, 2 decimals)')]).toBe('10.00');
    expect(day2[column('USD net after refunds (USD, major units, 2 decimals)')]).toBe('68.75');
    expect(body[0]?.[column('USD gross (USD, major units, 2 decimals)')]).toBe('0.00');
    expect(body[2]?.[column('JPY gross (JPY, major units, 0 decimals)')]).toBe('2363');
    // No totals or blank lines mixed in: every row has the header's width.
    for (const row of body) expect(row).toHaveLength(head?.length ?? 0);
  });

  it('puts teachers in a second table, names quoted, zeros in a currency they did not teach in', () => {
    const rows = parse(toCsv(teacherTable([usd, jpy])));
    const [head, ...body] = rows;
    expect(head?.slice(0, 2)).toEqual(['teacher id', 'teacher']);
    expect(body.map((row) => row.slice(0, 2))).toEqual([
      ['3', 'Kenji'],
      ['7', 'Ana, "la profe"'],
    ]);
    const usdGross = head?.indexOf('USD gross (USD, major units, 2 decimals)') ?? -1;
    expect(body[0]?.[usdGross]).toBe('0.00');
    expect(body[1]?.[usdGross]).toBe('131.25');
  });

  it('neutralizes spreadsheet formulas in names', () => {
    expect(toCsv([['=cmd()', '-12.50', '@x']])).toBe("'=cmd(),-12.50,'@x\r\n");
  });
});

/**
 * Which queue columns show at a given table width, by priority: the table never needs horizontal
 * scrolling down to the 960 px minimum window. As the table narrows, the least needed columns go
 * first (length, language, requested), then student and teacher share one two-line cell, then
 * booking status and payment status do. Total, status and payment always stay on screen.
 */
export type QueueColumnId =
  | 'id'
  | 'startsAt'
  | 'studentName'
  | 'teacherName'
  | 'people'
  | 'language'
  | 'minutes'
  | 'totalMinor'
  | 'status'
  | 'paymentStatus'
  | 'states'
  | 'createdAt';

/** Each column's smallest width in px; the people columns also take a share of what is left over. */
const WIDTH: Record<QueueColumnId, { min: number; grow?: number }> = {
  id: { min: 60 },
  startsAt: { min: 160 },
  studentName: { min: 110, grow: 1.3 },
  teacherName: { min: 110, grow: 1.3 },
  people: { min: 140, grow: 1 },
  language: { min: 88 },
  minutes: { min: 64 },
  totalMinor: { min: 100 },
  status: { min: 136 },
  paymentStatus: { min: 136 },
  states: { min: 136 },
  createdAt: { min: 120 },
};

const FULL: QueueColumnId[] = [
  'id',
  'startsAt',
  'studentName',
  'teacherName',
  'language',
  'minutes',
  'totalMinor',
  'status',
  'paymentStatus',
  'createdAt',
];
const without = (columns: QueueColumnId[], ...dropped: QueueColumnId[]) =>
  columns.filter((column) => !dropped.includes(column));

/** From the fullest layout to the narrowest; the first that fits is used. */
const LAYOUTS: QueueColumnId[][] = [
  FULL,
  without(FULL, 'minutes'),
  without(FULL, 'minutes', 'language'),
  without(FULL, 'minutes', 'language', 'createdAt'),
  ['id', 'startsAt', 'people', 'totalMinor', 'status', 'paymentStatus'],
  ['id', 'startsAt', 'people', 'totalMinor', 'states'],
];

export const QUEUE_GAP = 8;
export const QUEUE_PADDING = 24;

export function widthNeeded(columns: readonly QueueColumnId[]): number {
  return columns.reduce((sum, column) => sum + WIDTH[column].min, 0) + QUEUE_GAP * (columns.length - 1) + QUEUE_PADDING;
}

/** The columns for a table `width` px wide (the narrowest layout when nothing fits). */
export function queueColumns(width: number): QueueColumnId[] {
  return LAYOUTS.find((layout) => widthNeeded(layout) <= width) ?? (LAYOUTS.at(-1) as QueueColumnId[]);
}

/** The CSS grid template for those columns. */
export function queueGrid(columns: readonly QueueColumnId[]): string {
  return columns
    .map((column) => {
      const { min, grow } = WIDTH[column];
      return grow ? `minmax(${min}px, ${grow}fr)` : `${min}px`;
    })
    .join(' ');
}

/**
 * Rows handed to PostgreSQL as one JSON parameter (`jsonb_to_recordset`): one fixed statement for
 * any number of rows, so it is prepared once and Prisma compiles nothing per call (its query plan
 * cache skips `createMany`, whose shape changes with the row count).
 */

/** A `timestamp(3)` value as JSON: UTC without a zone, as Prisma stores them. */
export const utcTimestamp = (date: Date): string => date.toISOString().replace('Z', '');

/**
 * A row as a JSON parameter: its own time fields as `utcTimestamp`s (absent optional fields become
 * NULL); times nested in a JSON column's value stay as JSON writes them, as Prisma stored them.
 */
export const jsonRow = (row: object): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, value instanceof Date ? utcTimestamp(value) : value]),
    ),
  );

/** Rows as one JSON array parameter (`jsonb_to_recordset`), each as `jsonRow`. */
export const jsonRows = (rows: readonly object[]): string => `[${rows.map(jsonRow).join(',')}]`;

/** Quoted column names, optionally qualified: `"a", "b"` or `t."a", t."b"`. */
export const quotedColumns = (names: readonly string[], alias?: string): string =>
  names.map((name) => `${alias ? `${alias}.` : ''}"${name}"`).join(', ');

/**
 * `SET` items for `columns` of the row aliased `alias` from the JSON parameter `param` (jsonRow of
 * the keys present only): a key left out keeps its column's value, a key given as null clears it.
 */
export const changedColumns = (columns: Readonly<Record<string, string>>, param: string, alias: string): string =>
  Object.entries(columns)
    .map(
      ([name, type]) =>
        `"${name}" = CASE WHEN ${param}::jsonb ? '${name}' THEN (${param}::jsonb ->> '${name}')::${type} ELSE ${alias}."${name}" END`,
    )
    .join(',\n    ');

/** `jsonb_to_record(set)`'s column definitions from { column: SQL type }. */
export const columnDefinitions = (columns: Readonly<Record<string, string>>): string =>
  Object.entries(columns)
    .map(([name, type]) => `"${name}" ${type}`)
    .join(', ');

/**
 * CTE `written`: a new row of `table` from the JSON parameter `param` (jsonRow of an object with
 * `columns`), its `createdAt` also its first `updatedAt`, returning `returning`.
 */
export const insertedFromJson = (
  table: string,
  columns: Readonly<Record<string, string>>,
  returning: readonly string[],
  param = '$1',
): string => `written AS (
  INSERT INTO "${table}" (${quotedColumns(Object.keys(columns))}, "updatedAt")
  SELECT ${quotedColumns(Object.keys(columns), 'n')}, n."createdAt"
  FROM jsonb_to_record(${param}::jsonb) AS n(${columnDefinitions(columns)})
  RETURNING ${quotedColumns(returning)}
)`;

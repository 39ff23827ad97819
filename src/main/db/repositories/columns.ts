/**
 * A model's columns by name (from the generated `<Model>ScalarFieldEnum`), for SQL written by hand.
 * Never `*`: the app's statements are prepared per connection (database.ts), and a prepared statement
 * whose result type changes — `SELECT *` once another host's migration added a column — is refused by
 * PostgreSQL.
 */
export function columnList(fields: Readonly<Record<string, string>>, alias?: string): string {
  return Object.values(fields)
    .map((name) => (alias ? `${alias}."${name}"` : `"${name}"`))
    .join(', ');
}

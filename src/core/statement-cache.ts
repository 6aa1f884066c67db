/** The part of a better-sqlite3 connection the cache wraps. */
interface PreparingConnection {
  prepare(sql: string): unknown;
}

/** How many statements one connection keeps prepared: the hub's steady state uses a few dozen. */
export const PREPARED_STATEMENT_CAPACITY = 500;

/**
 * Makes `conn.prepare` hand back the statement it prepared before for the same SQL text (least
 * recently used ones are dropped past `capacity`). knex prepares every query again on every call,
 * which was a fifth of the hub's CPU under annotator load. Safe because every caller runs a statement
 * to completion (`all`, `run`, `get`) before another call can reach the connection, and none changes
 * a statement's modes (`pluck`, `raw`, `safeIntegers`).
 */
export function cachePreparedStatements(conn: PreparingConnection, capacity = PREPARED_STATEMENT_CAPACITY): void {
  const prepare = conn.prepare.bind(conn);
  const statements = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
    } else {
      statements.delete(sql);
    }
    statements.set(sql, statement);
    return statement;
  };
}

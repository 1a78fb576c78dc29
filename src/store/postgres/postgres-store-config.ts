/** Options for the PostgreSQL store (`--store postgres://…`). */
export interface PostgresStoreConfig {
  /** `postgres://user:password@host:5432/database`; libpq parameters in the query string (`?sslmode=require`). */
  connectionString: string;
  /** Connections in the pool. Default 10: claims, commits and reads of one process at once. */
  poolSize?: number;
}

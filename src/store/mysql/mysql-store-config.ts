/** Options for the MySQL 8 / MariaDB 10.11 store (`--store mysql://…`). */
export interface MysqlStoreConfig {
  /** `mysql://user:password@host:3306/database`. */
  uri: string;
  /** Connections in the pool. Default 10: claims, commits and reads of one process at once. */
  poolSize?: number;
}

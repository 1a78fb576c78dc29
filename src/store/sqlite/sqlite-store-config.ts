/** Options for the embedded SQLite store. */
export interface SqliteStoreConfig {
  /** Database file; `:memory:` for a throw-away store. Default `./fanyi.db`. */
  filename: string;
  /**
   * `normal` (default): WAL with synchronous=NORMAL, and the WAL flushed to disk every
   * `flushIntervalMs`. A killed or crashed process loses nothing; a power cut loses at most the
   * last interval of results, which resume then translates again. `full` fsyncs every commit:
   * nothing lost even on a power cut, at ~2–5 ms per commit. Env FANYI_SQLITE_SYNC overrides.
   */
  synchronous?: 'full' | 'normal';
  /** WAL flush interval in `normal` mode. Default 1000 ms. */
  flushIntervalMs?: number;
}

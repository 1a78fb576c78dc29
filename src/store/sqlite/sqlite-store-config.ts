/** Options for the embedded SQLite store. */
export interface SqliteStoreConfig {
  /** Database file; `:memory:` for a throw-away store. Default `./fanyi.db`. */
  filename: string;
  /**
   * `full` fsyncs every commit so a power cut loses no committed batch; `normal` is faster and
   * still safe against a crashed process. Default `full` (DESIGN principle 1).
   */
  synchronous?: 'full' | 'normal';
}

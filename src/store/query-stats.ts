/**
 * Debug aid, on with FANYI_QUERY_STATS=1: time per SQL statement shape and commit group sizes,
 * printed to stderr at exit. It is how the pipeline benchmark's store time was taken apart.
 */
const stats = new Map<string, { n: number; ms: number }>();
export function queryStats(event: { query: { sql: string }; queryDurationMillis: number }): void {
  const key = event.query.sql.slice(0, 60);
  const entry = stats.get(key) ?? { n: 0, ms: 0 };
  entry.n++;
  entry.ms += event.queryDurationMillis;
  stats.set(key, entry);
}
process.on('exit', () => {
  if (stats.size) for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) process.stderr.write(`${v.ms.toFixed(0).padStart(7)}ms ${String(v.n).padStart(6)}x ${k}\n`);
});
export const queryStatsEnabled = !!process.env.FANYI_QUERY_STATS;
export const groupSizes: number[] = [];
process.on('exit', () => {
  if (groupSizes.length) process.stderr.write(`commit groups: ${groupSizes.length}, mean size ${(groupSizes.reduce((a, b) => a + b, 0) / groupSizes.length).toFixed(2)}\n`);
});

import type { Kysely } from 'kysely';
import { storedFlags } from '../../qa/qa-flags.ts';
import type { Database } from '../schema.ts';

/** Tasks per QA flag code, for `status` and the `--json` summaries; read-only. */

/** Rows per page: the flags of a 300k-task job are never all in memory at once. */
const PAGE = 5_000;

/**
 * Tasks per QA flag code (`placeholder_mismatch`, `too_long`…), most frequent first; a task with
 * two flags of one code counts once. `qa_flags` is a JSON array of `code: message` strings, parsed
 * here rather than in SQL so that every dialect runs the same query; pages follow the primary key.
 */
export async function countByFlag(db: Kysely<Database>, jobId: string): Promise<Record<string, number>> {
  const counts = new Map<string, number>();
  for (let after = ''; ; ) {
    const rows = await db
      .selectFrom('tasks')
      .select(['task_id', 'qa_flags'])
      .where('job_id', '=', jobId)
      .where('qa_flags', 'is not', null)
      .where('task_id', '>', after)
      .orderBy('task_id')
      .limit(PAGE)
      .execute();
    for (const row of rows) for (const code of flagCodes(row.qa_flags)) counts.set(code, (counts.get(code) ?? 0) + 1);
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1].task_id;
  }
  return Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)));
}

/** The codes of a task's flags; unreadable stored flags count as none (this is a report). */
function flagCodes(qaFlags: string | null): Set<string> {
  try {
    return new Set(storedFlags(qaFlags).map((f) => f.code).filter(Boolean));
  } catch {
    return new Set();
  }
}

import type { Kysely } from 'kysely';
import type { UploadRow } from '../job-store.ts';
import type { Database } from '../schema.ts';

/** Stores an upload session; a session id is new each time (server-chosen, random), so this never meets a duplicate. */
export async function insertUpload(db: Kysely<Database>, upload: UploadRow): Promise<void> {
  await db.insertInto('uploads').values({ session_id: upload.sessionId, tenant: upload.tenant, file_name: upload.fileName, file_id: upload.fileId, created_at: upload.createdAt }).execute();
}

export async function selectUpload(db: Kysely<Database>, sessionId: string): Promise<UploadRow | undefined> {
  const row = await db.selectFrom('uploads').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
  return row && { sessionId: row.session_id, tenant: row.tenant, fileName: row.file_name, fileId: row.file_id, createdAt: Number(row.created_at) };
}

export async function deleteUpload(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db.deleteFrom('uploads').where('session_id', '=', sessionId).execute();
}

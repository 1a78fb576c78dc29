import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FileStore } from '../store/files/file-store.ts';
import type { UploadSessions } from '../store/job-store.ts';

/** What an upload session keeps until `translate` turns it into a job with the same id. */
export interface UploadSession {
  sessionId: string;
  tenant: string;
  /** The client's file name, cleaned for display; never part of a path. */
  fileName: string;
  /** Where the bytes are on this machine, under a name the server chose. */
  filePath: string;
  /** The bytes among the stored files (every machine of the store reads them); set once saved. */
  fileId?: string;
  createdAt: number;
}

/** Extensions kept on the stored copy: the CSV reader takes tab as the delimiter hint from `.tsv`. */
const KEPT_EXTENSIONS = new Set(['.xlsx', '.xlsm', '.csv', '.tsv', '.txt']);

/** Session ids are job ids: letters, digits, `_` and `-` only, so one can never climb out of its folder. */
export const SESSION_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const SESSION_ID = new RegExp(SESSION_ID_PATTERN);

/**
 * Uploaded workbooks. The bytes arrive in a staging folder on this machine (`<files>/uploads/<id>/`);
 * once analysed they become a stored file and the session a row of the store, so another API
 * server on the same store can start the translate, and a session survives a restart.
 */
export class UploadStore {
  readonly #dir: string;
  readonly #sessions: UploadSessions;
  readonly #files: FileStore;

  constructor(dir: string, sessions: UploadSessions, files: FileStore) {
    this.#dir = dir;
    this.#sessions = sessions;
    this.#files = files;
  }

  /** A new staging folder and the path its bytes go to; the client's name only picks the extension. */
  async open(tenant: string, clientName: string): Promise<UploadSession> {
    const sessionId = newSessionId();
    const fileName = displayName(clientName);
    const ext = path.extname(fileName).toLowerCase();
    await mkdir(this.#folder(sessionId), { recursive: true });
    const filePath = path.join(this.#folder(sessionId), `source${KEPT_EXTENSIONS.has(ext) ? ext : '.bin'}`);
    return { sessionId, tenant, fileName, filePath, createdAt: Date.now() };
  }

  /** Stores the bytes and the session; the staging folder goes. */
  async save(session: UploadSession): Promise<void> {
    const file = await this.#files.put(session.filePath);
    await this.#sessions.saveUpload({ sessionId: session.sessionId, tenant: session.tenant, fileName: session.fileName, fileId: file.id, createdAt: session.createdAt });
    await rm(this.#folder(session.sessionId), { recursive: true, force: true });
  }

  /**
   * The session if it exists and belongs to `tenant` (another tenant's looks exactly like a
   * missing one), its bytes copied to this machine when they were uploaded to another.
   */
  async get(sessionId: string, tenant: string): Promise<(UploadSession & { fileId: string }) | undefined> {
    if (!SESSION_ID.test(sessionId)) return undefined;
    const row = await this.#sessions.getUpload(sessionId);
    if (!row || row.tenant !== tenant) return undefined;
    return { sessionId, tenant, fileName: row.fileName, filePath: await this.#files.localPath(row.fileId), fileId: row.fileId, createdAt: row.createdAt };
  }

  /**
   * Drops a session (a rejected upload) and its staging folder. Its stored file stays: the same
   * bytes may be another session's or a job's source (content addressing), and a rejected upload
   * is never stored, since save comes after the analysis.
   */
  async remove(sessionId: string): Promise<void> {
    if (!SESSION_ID.test(sessionId)) return;
    await rm(this.#folder(sessionId), { recursive: true, force: true });
    await this.#sessions.deleteUpload(sessionId);
  }

  #folder(sessionId: string): string {
    return path.join(this.#dir, sessionId);
  }
}

/**
 * A client file name made safe to show and to put in a Content-Disposition header: the last path
 * segment only (either separator), no control or bidi-override characters, at most 120 characters.
 */
export function displayName(clientName: string | undefined): string {
  const last = (clientName ?? '').split(/[\\/]/).pop() ?? '';
  const clean = last.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"]/g, '').trim().replace(/^\.+/, '');
  return clean.slice(-120) || 'upload';
}

/** Same shape as the CLI's job ids (`job_<yymmdd>_<hex>`), with more randomness: ids are handed to clients. */
function newSessionId(): string {
  const stamp = new Date().toISOString().slice(2, 10).replace(/-/g, '');
  return `job_${stamp}_${randomBytes(8).toString('hex')}`;
}

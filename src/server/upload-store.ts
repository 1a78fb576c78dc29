import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What an upload session keeps until `translate` turns it into a job with the same id. */
export interface UploadSession {
  sessionId: string;
  tenant: string;
  /** The client's file name, cleaned for display; never part of a path. */
  fileName: string;
  /** Where the bytes are, under a name the server chose. */
  filePath: string;
  createdAt: number;
}

/** Extensions kept on the stored copy: the CSV reader takes tab as the delimiter hint from `.tsv`. */
const KEPT_EXTENSIONS = new Set(['.xlsx', '.xlsm', '.csv', '.tsv', '.txt']);

/** Session ids are job ids: letters, digits, `_` and `-` only, so one can never climb out of its folder. */
export const SESSION_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const SESSION_ID = new RegExp(SESSION_ID_PATTERN);

/**
 * Uploaded workbooks on disk, one folder per session under `<db>.files/uploads/`, with a small
 * JSON file beside each so a session survives a server restart between upload and translate.
 */
export class UploadStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** A new session folder and the path its bytes go to; the client's name only picks the extension. */
  async open(tenant: string, clientName: string): Promise<UploadSession> {
    const sessionId = newSessionId();
    const fileName = displayName(clientName);
    const ext = path.extname(fileName).toLowerCase();
    await mkdir(this.#folder(sessionId), { recursive: true });
    const filePath = path.join(this.#folder(sessionId), `source${KEPT_EXTENSIONS.has(ext) ? ext : '.bin'}`);
    return { sessionId, tenant, fileName, filePath, createdAt: Date.now() };
  }

  async save(session: UploadSession): Promise<void> {
    await writeFile(path.join(this.#folder(session.sessionId), 'session.json'), JSON.stringify(session));
  }

  /** The session if it exists and belongs to `tenant`; another tenant's looks exactly like a missing one. */
  async get(sessionId: string, tenant: string): Promise<UploadSession | undefined> {
    if (!SESSION_ID.test(sessionId)) return undefined;
    try {
      const session = JSON.parse(await readFile(path.join(this.#folder(sessionId), 'session.json'), 'utf8')) as UploadSession;
      return session.tenant === tenant ? session : undefined;
    } catch {
      return undefined;
    }
  }

  /** Drops a session's folder (a rejected upload; a started job keeps its own content-addressed copy). */
  async remove(sessionId: string): Promise<void> {
    if (SESSION_ID.test(sessionId)) await rm(this.#folder(sessionId), { recursive: true, force: true });
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

import path from 'node:path';
import { FanyiError } from '../errors.ts';

/** Which database a store URL names, and how to reach it. */
export type StoreLocation = { kind: 'sqlite'; filename: string } | { kind: 'postgres' | 'mysql'; url: string };

/** The default store: `fanyi.db` in the working directory. */
export const DEFAULT_STORE_URL = 'sqlite:fanyi.db';

/**
 * `sqlite:PATH` (a bare path too), `postgres://…` (or `postgresql://`), `mysql://…` (or
 * `mariadb://`, the same driver). Throws a usage error naming the schemes for anything else.
 */
export function parseStoreUrl(url: string): StoreLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  // No scheme, or a Windows drive letter (`C:\…`): a file path.
  if (!scheme || scheme.length === 1) return { kind: 'sqlite', filename: url };
  if (scheme === 'sqlite') return { kind: 'sqlite', filename: url.slice('sqlite:'.length) || 'fanyi.db' };
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url };
  if (scheme === 'mysql' || scheme === 'mariadb') return { kind: 'mysql', url: url.replace(/^mariadb:/i, 'mysql:') };
  throw new FanyiError('USAGE', `unknown store URL scheme '${scheme}:' (use sqlite:PATH, postgres://… or mysql://…)`);
}

/** Where a process keeps its jobs, and the files beside them. */
export interface StoreTarget {
  /** For createStore. */
  url: string;
  location: StoreLocation;
  /**
   * Source workbooks, uploads, outputs and checkpoints. Beside a SQLite file: `<file>.files`.
   * With a server database: `./fanyi.files` — local to this machine, not shared yet.
   */
  filesDir: string;
  /** The store for messages: a file path, or the URL without its password. */
  label: string;
}

/** The target a (resolved) `store.url` and `store.files_dir` name. */
export function storeTarget(store: { url?: string; files_dir?: string }): StoreTarget {
  const url = store.url ?? DEFAULT_STORE_URL;
  const location = parseStoreUrl(url);
  if (location.kind === 'sqlite') {
    const filename = location.filename === ':memory:' ? location.filename : path.resolve(location.filename);
    return { url: `sqlite:${filename}`, location: { kind: 'sqlite', filename }, filesDir: path.resolve(store.files_dir ?? `${filename}.files`), label: location.filename };
  }
  return { url, location, filesDir: path.resolve(store.files_dir ?? 'fanyi.files'), label: redactUrl(url) };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@\s]+:)[^@\s]*@/g, '$1***@');
}

/**
 * The store of `npm run bench:distributed`: a SQLite file in the bench's temp dir (default), or a
 * PostgreSQL database per measurement (`BENCH_STORE=postgres`, dropped afterwards), so the same
 * measurement runs with and without SQLite's one-writer lock shared by every worker process.
 * Reads go straight to the database, read-only.
 */
import path from 'node:path';
import pg from 'pg';
import { withReadonlyDb } from '../test/helpers/read-db.ts';

const POSTGRES_ADMIN = process.env.FANYI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchStore {
  kind: 'sqlite' | 'postgres';
  /** Makes the store `name` (PostgreSQL: a database; SQLite: the first command creates the file). */
  create(name: string): Promise<void>;
  /** `--db FILE` or `--store URL`. */
  flags(name: string): string[];
  /** `sqlite:FILE` or the PostgreSQL URL, for an engine opened in the bench process. */
  url(name: string): string;
  /** One SELECT with `?` placeholders; integer columns as numbers. */
  query<T>(name: string, sql: string, ...params: unknown[]): Promise<T[]>;
  cleanup(): Promise<void>;
}

export function openBenchStore(kind: string | undefined, dir: string): BenchStore {
  return kind === 'postgres' ? postgresStore() : sqliteStore(dir);
}

function sqliteStore(dir: string): BenchStore {
  const file = (name: string) => path.join(dir, `${name}.db`);
  return {
    kind: 'sqlite',
    create: async () => undefined,
    flags: (name) => ['--db', file(name)],
    url: (name) => `sqlite:${file(name)}`,
    query: async <T>(name: string, sql: string, ...params: unknown[]) => withReadonlyDb(file(name), (d) => d.prepare(sql).all(...params) as T[]),
    cleanup: async () => undefined,
  };
}

function postgresStore(): BenchStore {
  const prefix = `fanyi_bench_${process.pid}_${Date.now().toString(36)}`;
  const made: string[] = [];
  const clients = new Map<string, pg.Client>();
  const url = (name: string) => Object.assign(new URL(POSTGRES_ADMIN), { pathname: `/${prefix}_${name}` }).toString();
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  return {
    kind: 'postgres',
    async create(name) {
      await admin(`create database ${prefix}_${name}`);
      made.push(`${prefix}_${name}`);
    },
    flags: (name) => ['--store', url(name)],
    url,
    async query<T>(name: string, sql: string, ...params: unknown[]) {
      let client = clients.get(name);
      if (!client) {
        client = new pg.Client({ connectionString: url(name) });
        await client.connect();
        clients.set(name, client);
      }
      let n = 0;
      const { rows } = await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
      // pg returns bigint (and count) columns as strings.
      return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]))) as T[];
    },
    async cleanup() {
      for (const client of clients.values()) await client.end().catch(() => undefined);
      for (const name of made) await admin(`drop database if exists ${name} with (force)`).catch(() => undefined);
    },
  };
}

import { after, describe } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { assertPresent, skipUnlessPresent, type Requirement } from './requirements.ts';

/**
 * Real PostgreSQL and MySQL/MariaDB for the store tests (STYLE practice 12). Each test gets a
 * database of its own, with a unique name, dropped when its file ends: parallel test files and
 * reruns never see each other's rows. Servers come from the environment:
 * `FANYI_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres) and
 * `FANYI_TEST_MYSQL_URL` (default mysql://root@127.0.0.1:3306/), a login that may create
 * databases; `STORES=sqlite,postgres,mysql` picks which back ends run (default: all).
 */
export type ServerKind = 'postgres' | 'mysql';

const ADMIN_URLS: Record<ServerKind, string> = {
  postgres: process.env.FANYI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mysql: process.env.FANYI_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/',
};

/** Whether `STORES` (unset: every back end) asks for this one. */
export function isStoreSelected(kind: ServerKind | 'sqlite'): boolean {
  const stores = process.env.STORES?.split(',').map((s) => s.trim());
  return !stores || stores.includes(kind);
}

/** The server answers a login within 3 s; what to do about it when it does not. */
async function serverRequirement(kind: ServerKind): Promise<Requirement> {
  try {
    await withAdmin(kind, async () => {});
    return { isPresent: true, missing: '' };
  } catch (error) {
    const how = kind === 'postgres' ? 'start PostgreSQL or set FANYI_TEST_POSTGRES_URL' : 'start MySQL/MariaDB or set FANYI_TEST_MYSQL_URL';
    return { isPresent: false, missing: `${kind} at ${ADMIN_URLS[kind]} does not answer (${(error as Error).message}): ${how}` };
  }
}

let serial = 0;

/**
 * Defines a back end's tests (`define`, given a function that makes a new empty database and
 * returns its URL) inside one suite that is skipped, with the reason, when the server does not
 * answer (failed under CI=true, see requirements.ts) or STORES leaves it out. Every database made
 * is dropped when the suite ends, whatever its tests left in it.
 */
export async function serverStoreSuite(kind: ServerKind, define: (newDatabase: () => Promise<string>) => void): Promise<void> {
  const requirement = await serverRequirement(kind);
  const skip = isStoreSelected(kind) ? skipUnlessPresent(requirement) : `${kind} is not in STORES=${process.env.STORES}`;
  describe(`${kind} store`, { skip }, () => {
    const made: string[] = [];
    after(async () => {
      await withAdmin(kind, async (run) => {
        for (const name of made) await run(kind === 'postgres' ? `drop database if exists ${name} with (force)` : `drop database if exists ${name}`);
      });
    });
    define(async () => {
      assertPresent(requirement);
      const name = `fanyi_t_${process.pid}_${Date.now().toString(36)}_${serial++}`;
      await withAdmin(kind, async (run) => {
        await run(`create database ${name}`);
      });
      made.push(name);
      const url = new URL(ADMIN_URLS[kind]);
      url.pathname = `/${name}`;
      return url.toString();
    });
  });
}

async function withAdmin(kind: ServerKind, work: (run: (statement: string) => Promise<unknown>) => Promise<void>): Promise<void> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: ADMIN_URLS.postgres, connectionTimeoutMillis: 3_000 });
    await client.connect();
    try {
      await work((statement) => client.query(statement));
    } finally {
      await client.end();
    }
    return;
  }
  const connection = await mysql.createConnection({ uri: ADMIN_URLS.mysql, connectTimeout: 3_000 });
  try {
    await work((statement) => connection.query(statement));
  } finally {
    await connection.end();
  }
}

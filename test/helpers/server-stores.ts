import { after, describe } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createStore } from '../../src/store/create-store.ts';
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
 * What a new database holds: `empty` (for tests of the migrations themselves) or `migrated`, a
 * copy of a database the store migrated once per suite. Migrating takes seconds on these servers
 * (most of a store test's time); copying it, a fraction: PostgreSQL clones a template database,
 * MySQL/MariaDB copies each table (`create table … like`, then its rows).
 */
export type NewDatabase = (schema?: 'empty' | 'migrated') => Promise<string>;

/**
 * Defines a back end's tests (`define`, given a function that makes a new database and returns
 * its URL) inside one suite that is skipped, with the reason, when the server does not answer
 * (failed under CI=true, see requirements.ts) or STORES leaves it out. Every database made is
 * dropped when the suite ends, whatever its tests left in it.
 */
export async function serverStoreSuite(kind: ServerKind, define: (newDatabase: NewDatabase) => void): Promise<void> {
  const requirement = await serverRequirement(kind);
  const skip = isStoreSelected(kind) ? skipUnlessPresent(requirement) : `${kind} is not in STORES=${process.env.STORES}`;
  describe(`${kind} store`, { skip }, () => {
    const made: string[] = [];
    const create = async (copyOf?: string): Promise<string> => {
      const name = `fanyi_t_${process.pid}_${Date.now().toString(36)}_${serial++}`;
      await withAdmin(kind, async (run) => {
        if (kind === 'postgres') await run(copyOf ? `create database ${name} template ${copyOf}` : `create database ${name}`);
        else await run(`create database ${name}`);
      });
      made.push(name);
      if (copyOf && kind === 'mysql') await copyMysqlTables(copyOf, name);
      return name;
    };
    let template: Promise<string> | undefined;
    const migratedTemplate = () =>
      (template ??= create().then(async (name) => {
        await (await createStore(databaseUrl(kind, name))).close();
        return name;
      }));
    define(async (schema = 'empty') => {
      assertPresent(requirement);
      return databaseUrl(kind, await create(schema === 'migrated' ? await migratedTemplate() : undefined));
    });
    // Registered after `define`'s hooks, so it runs after them: a failing `after` skips the hooks
    // after it, and a simulated provider left listening kept a test file alive for 25 minutes
    // once the drop failed ("too many clients" while other suites ran).
    after(async () => {
      // A few at a time: each drop waits on the server's disk more than on its CPU.
      const drop = async (names: string[]) =>
        withAdmin(kind, async (run) => {
          for (const name of names) await run(kind === 'postgres' ? `drop database if exists ${name} with (force)` : `drop database if exists ${name}`);
        });
      await Promise.all([0, 1, 2, 3].map((lane) => drop(made.filter((_, i) => i % 4 === lane))));
    });
  });
}

function databaseUrl(kind: ServerKind, name: string): string {
  const url = new URL(ADMIN_URLS[kind]);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Every table of MySQL database `from` (structure, indexes and rows) into the empty database `to`. */
async function copyMysqlTables(from: string, to: string): Promise<void> {
  await withAdmin('mysql', async (run) => {
    const [tables] = (await run(`select table_name as name from information_schema.tables where table_schema = '${from}' and table_type = 'BASE TABLE'`)) as [Array<{ name: string }>];
    for (const { name } of tables) {
      await run(`create table ${to}.${name} like ${from}.${name}`);
      await run(`insert into ${to}.${name} select * from ${from}.${name}`);
    }
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

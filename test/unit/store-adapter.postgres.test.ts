import { before } from 'node:test';
import { PostgresStoreAdapter } from '../../src/store/postgres/postgres-store-adapter.ts';
import { storeAdapterCases } from '../contract/store-adapter.case.ts';
import { serverStoreSuite } from '../helpers/server-stores.ts';

// One database for the file: the adapter cases make scratch tables of unique names and drop them.
await serverStoreSuite('postgres', (newDatabase) => {
  let url = '';
  before(async () => {
    url = await newDatabase();
  });
  storeAdapterCases('postgres', () => new PostgresStoreAdapter({ connectionString: url }));
});

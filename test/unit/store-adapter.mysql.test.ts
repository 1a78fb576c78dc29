import { before } from 'node:test';
import { MysqlStoreAdapter } from '../../src/store/mysql/mysql-store-adapter.ts';
import { storeAdapterCases } from '../contract/store-adapter.case.ts';
import { serverStoreSuite } from '../helpers/server-stores.ts';

// One database for the file: the adapter cases make scratch tables of unique names and drop them.
await serverStoreSuite('mysql', (newDatabase) => {
  let url = '';
  before(async () => {
    url = await newDatabase();
  });
  storeAdapterCases('mysql', () => new MysqlStoreAdapter({ uri: url }));
});

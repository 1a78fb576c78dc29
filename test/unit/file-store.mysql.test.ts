import { fileStoreCases } from '../contract/file-store.case.ts';
import { databaseFiles } from '../helpers/file-store-harness.ts';
import { serverStoreSuite } from '../helpers/server-stores.ts';

await serverStoreSuite('mysql', (newDatabase) => fileStoreCases('mysql', async () => databaseFiles(await newDatabase('migrated'))));

import { createStore } from '../../src/store/create-store.ts';
import { jobStoreCases } from '../contract/job-store.case.ts';
import { migrationCases } from '../contract/migrations.case.ts';
import { serverStoreSuite } from '../helpers/server-stores.ts';

await serverStoreSuite('mysql', (newDatabase) => {
  jobStoreCases('mysql', async () => createStore(await newDatabase('migrated')));
  migrationCases('mysql', newDatabase);
});

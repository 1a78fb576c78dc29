import { createStore } from '../../src/store/create-store.ts';
import { jobStoreCases } from '../contract/job-store.case.ts';
import { migrationCases } from '../contract/migrations.case.ts';
import { serverStoreSuite } from '../helpers/server-stores.ts';

await serverStoreSuite('postgres', (newDatabase) => {
  jobStoreCases('postgres', async () => createStore(await newDatabase('migrated')));
  migrationCases('postgres', newDatabase);
});

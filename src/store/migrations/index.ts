import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';
import * as initial from './001-initial.ts';
import * as callsAndEvents from './002-calls-and-events.ts';
import * as memoryAndGlossary from './003-memory-and-glossary.ts';
import * as pausedGroups from './004-paused-groups.ts';
import * as memoryPending from './005-memory-pending.ts';
import * as callWait from './006-call-wait.ts';
import * as estimatedTokens from './007-estimated-tokens.ts';
import * as workerRegistry from './008-worker-registry.ts';
import * as storedFiles from './009-stored-files.ts';
import * as taskCheckpointIndex from './010-task-checkpoint-index.ts';
import * as jobLane from './011-job-lane.ts';
import * as taskRowIndex from './012-task-row-index.ts';

/** A migration; those that spell something per database get the store's adapter. */
interface StoreMigration {
  up(db: Kysely<any>, adapter: StoreAdapter): Promise<void>;
  down?(db: Kysely<any>, adapter: StoreAdapter): Promise<void>;
}

const MIGRATIONS: Record<string, StoreMigration> = {
  '001-initial': initial,
  '002-calls-and-events': callsAndEvents,
  '003-memory-and-glossary': memoryAndGlossary,
  '004-paused-groups': pausedGroups,
  '005-memory-pending': memoryPending,
  '006-call-wait': callWait,
  '007-estimated-tokens': estimatedTokens,
  '008-worker-registry': workerRegistry,
  '009-stored-files': storedFiles,
  '010-task-checkpoint-index': taskCheckpointIndex,
  '011-job-lane': jobLane,
  '012-task-row-index': taskRowIndex,
};

/** Migrations are imported statically so they ship inside the package and run on every dialect. */
export function migrationProvider(adapter: StoreAdapter): MigrationProvider {
  const bound = (m: StoreMigration): Migration => ({ up: (db) => m.up(db, adapter), down: m.down && ((db) => m.down!(db, adapter)) });
  return { getMigrations: async () => Object.fromEntries(Object.entries(MIGRATIONS).map(([name, m]) => [name, bound(m)])) };
}

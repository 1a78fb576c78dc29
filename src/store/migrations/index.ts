import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.ts';
import * as callsAndEvents from './002-calls-and-events.ts';
import * as memoryAndGlossary from './003-memory-and-glossary.ts';
import * as pausedGroups from './004-paused-groups.ts';
import * as memoryPending from './005-memory-pending.ts';
import * as callWait from './006-call-wait.ts';
import * as estimatedTokens from './007-estimated-tokens.ts';

/** Migrations are imported statically so they ship inside the package and run on every dialect. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '001-initial': initial,
      '002-calls-and-events': callsAndEvents,
      '003-memory-and-glossary': memoryAndGlossary,
      '004-paused-groups': pausedGroups,
      '005-memory-pending': memoryPending,
      '006-call-wait': callWait,
      '007-estimated-tokens': estimatedTokens,
    };
  },
};

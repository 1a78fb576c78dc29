import type { AuditTrail, BatchClaims, CheckpointStore, JobControl, JobReadViews, JobRetention, StoreLifecycle, TranslationMemory, UploadSessions, WorkerRegistry } from './store-roles.ts';

export type * from './store-types.ts';
export type * from './store-roles.ts';

/**
 * The task table is the one source of truth (DESIGN principle 1). Every back end (SQLite, MySQL,
 * PostgreSQL) implements this contract; callers never see a driver type or dialect SQL. It is the
 * sum of its roles: a consumer depends on the role it uses (a worker on BatchClaims, a status
 * view on JobReadViews), so what each part of fanyi asks of a store is written down.
 */
export interface JobStore extends StoreLifecycle, JobControl, BatchClaims, JobReadViews, TranslationMemory, AuditTrail, CheckpointStore, UploadSessions, WorkerRegistry, JobRetention {}

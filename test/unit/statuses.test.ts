import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ACTIVE_JOB_STATUSES,
  CLOSED_JOB_STATUSES,
  FINISHED_JOB_STATUSES,
  isStatusIn,
  JOB_STATUSES,
  RESUMABLE_JOB_STATUSES,
  STOPPED_JOB_STATUSES,
} from '../../src/store/statuses.ts';

test('a failed job is finished (not active) yet resumable; completed and cancelled are closed', () => {
  assert.deepEqual([...ACTIVE_JOB_STATUSES, ...FINISHED_JOB_STATUSES].sort(), [...JOB_STATUSES].sort(), 'every job is active or finished, never both');
  assert.ok(!ACTIVE_JOB_STATUSES.some((s) => isStatusIn(FINISHED_JOB_STATUSES, s)));
  assert.deepEqual(RESUMABLE_JOB_STATUSES, ['analyzing', 'queued', 'running', 'paused', 'failed']);
  assert.ok(isStatusIn(FINISHED_JOB_STATUSES, 'failed') && isStatusIn(RESUMABLE_JOB_STATUSES, 'failed'));
  assert.ok(CLOSED_JOB_STATUSES.every((s) => !isStatusIn(RESUMABLE_JOB_STATUSES, s)));
  assert.ok(STOPPED_JOB_STATUSES.every((s) => isStatusIn(JOB_STATUSES, s)));
  assert.equal(isStatusIn(JOB_STATUSES, 'done'), false, 'a batch status is no job status');
});

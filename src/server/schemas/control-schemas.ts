import { nullableNumber, nullableString } from './common-schemas.ts';
import { JOB_STATUSES } from '../../store/statuses.ts';

/** Schemas of pause/resume/cancel, checkpoints and the dashboard's activity view. */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;

export const groupQuerySchema = {
  type: 'object',
  properties: {
    group: {
      type: 'string',
      minLength: 1,
      maxLength: 2000,
      pattern: '^[^,]+(,[^,]+)*$',
      description: 'only these groups (comma-separated group ids, e.g. GROUP_UI_UI); without it, the whole job',
    },
  },
  additionalProperties: false,
} as const;

export interface GroupQuery {
  group?: string;
}

export const controlReplySchema = {
  type: 'object',
  properties: {
    session_id: str,
    status: { type: 'string', enum: JOB_STATUSES },
    paused_groups: { type: 'array', items: str, description: 'groups whose batches are not claimed' },
    in_flight_batches: { ...int, description: 'batches still held by workers: after a pause they finish (their calls are paid for); after a cancel, none' },
    message: str,
  },
  required: ['session_id', 'status', 'paused_groups', 'in_flight_batches', 'message'],
} as const;

export const deleteReplySchema = {
  type: 'object',
  properties: {
    session_id: str,
    deleted: { type: 'boolean', enum: [true] },
    tasks: { ...int, description: 'task rows deleted' },
    files_deleted: { ...int, description: 'stored files deleted because nothing else names them' },
  },
  required: ['session_id', 'deleted', 'tasks', 'files_deleted'],
} as const;

export const checkpointSchema = {
  type: 'object',
  properties: {
    checkpoint_id: str,
    created_at: { type: 'string', format: 'date-time' },
    task_count: { ...int, description: 'tasks settled (completed, needs review, failed) when it was taken' },
    counts: { type: 'object', additionalProperties: int },
    download_url: { ...str, description: 'the partial workbook' },
    tasks_url: { ...str, description: 'the task table as JSON lines' },
  },
  required: ['checkpoint_id', 'created_at', 'task_count', 'download_url', 'tasks_url'],
} as const;

export const checkpointListSchema = {
  type: 'object',
  properties: { session_id: str, checkpoints: { type: 'array', items: checkpointSchema } },
  required: ['session_id', 'checkpoints'],
} as const;

export const checkpointParams = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    checkpointId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
  required: ['id', 'checkpointId'],
  additionalProperties: false,
} as const;

export const checkpointFileQuery = {
  type: 'object',
  properties: { file: { type: 'string', enum: ['workbook', 'tasks'], default: 'workbook' } },
  additionalProperties: false,
} as const;

const sample = {
  type: 'object',
  properties: { t: { ...int, description: 'bucket start, epoch ms' }, texts: int, calls: int, errors: int },
} as const;

export const activitySchema = {
  type: 'object',
  properties: {
    session_id: str,
    status: { type: 'string', enum: JOB_STATUSES },
    paused_groups: { type: 'array', items: str },
    workers: { type: 'array', items: { type: 'object', properties: { worker_id: nullableString, batch_id: str } } },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          endpoint: str, model: str, calls: int, answered: int, tokens: int, rate_limited: int, errors: int,
          p50_ms: { ...nullableNumber, description: 'call latency p50 of answered calls, the HTTP call alone (limiter wait excluded)' },
          p95_ms: { ...nullableNumber, description: 'call latency p95 of answered calls, the HTTP call alone (limiter wait excluded)' },
          wait_p50_ms: { ...nullableNumber, description: 'p50 of the wait at the rate limiter before each attempt was sent' },
          wait_p95_ms: { ...nullableNumber, description: 'p95 of the wait at the rate limiter before each attempt was sent' },
        },
      },
    },
    events: { type: 'array', items: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, kind: str, message: str } } },
    recent_tasks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          task_id: str, group_id: str, target_lang: str, sheet_name: str, cell_ref: str, status: str,
          end_time: int, confidence: nullableNumber, quality_score: nullableNumber, retry_count: int, error_type: nullableString,
          field: { ...nullableString, description: 'the text field of a game-data sheet (`detail`); null in string tables' },
        },
      },
    },
    throughput: {
      type: 'object',
      description: 'texts answered per bucket, from the call log',
      properties: { bucket_seconds: int, points: { type: 'array', items: sample } },
    },
  },
  required: ['session_id', 'status', 'paused_groups', 'workers', 'endpoints', 'events', 'recent_tasks', 'throughput'],
} as const;

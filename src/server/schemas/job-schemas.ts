import { JOB_STATUSES } from '../../store/statuses.ts';
import { OUTPUT_ENCODINGS, type OutputEncoding } from '../../workbook/csv/output-encoding.ts';
import { nullableNumber, nullableString } from './common-schemas.ts';

/** Schemas of the job-level answers: status, the jobs list, translate. */

const count = { type: 'integer', minimum: 0 } as const;

/** Tasks per status, the same in the job's progress and in each group's. */
const statusCounts = { total: count, completed: count, pending: count, processing: count, failed: count, needs_review: count } as const;

export const progressSchema = {
  type: 'object',
  properties: {
    ...statusCounts,
    completion_rate: { type: 'number', minimum: 0, maximum: 1, description: 'settled (completed, needs_review, failed) / total' },
  },
  required: ['total', 'completed', 'pending', 'processing', 'failed', 'needs_review', 'completion_rate'],
} as const;

/** Seed 000 §8.1: task, performance, resource and error metrics, as far as the task table and this process can tell. */
export const statisticsSchema = {
  type: 'object',
  properties: {
    total_tasks: count,
    completed_tasks: count,
    pending_tasks: count,
    processing_tasks: count,
    failed_tasks: count,
    completion_rate: { type: 'number' },
    avg_duration_ms: { ...nullableNumber, description: "mean over tasks of the LLM call that answered them, the HTTP call alone (the wait at the rate limiter is not in it; see the activity view's wait_p50_ms)" },
    p95_duration_ms: { ...nullableNumber, description: 'p95 of the same per-task call durations' },
    throughput_per_min: nullableNumber,
    avg_confidence: nullableNumber,
    avg_quality_score: nullableNumber,
    active_workers: count,
    memory_usage_mb: { type: 'number' },
    cpu_usage_percent: nullableNumber,
    api_calls_count: count,
    token_usage_total: count,
    prompt_tokens: count,
    completion_tokens: count,
    error_rate: { type: 'number' },
    retry_rate: { type: 'number' },
    timeout_count: count,
  },
} as const;

export const jobSummarySchema = {
  type: 'object',
  properties: {
    session_id: { type: 'string' },
    kind: { type: 'string', description: 'translate, or map (an LLM result per row)' },
    status: { type: 'string', enum: JOB_STATUSES },
    lane: { type: 'string', description: 'the queue lane the job runs on (translation, insight_extraction, theme_extraction, learning, reports, or a lane the job named)' },
    source_name: { type: 'string' },
    total_tasks: count,
    error: nullableString,
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    finished_at: nullableString,
  },
  required: ['session_id', 'kind', 'status', 'lane', 'source_name', 'total_tasks', 'created_at', 'updated_at'],
} as const;

export const statusSchema = {
  type: 'object',
  properties: {
    ...jobSummarySchema.properties,
    progress: progressSchema,
    statistics: statisticsSchema,
    eta_seconds: { ...nullableNumber, description: 'remaining tasks at the throughput so far; null before the first result' },
  },
  required: [...jobSummarySchema.required, 'progress', 'statistics', 'eta_seconds'],
} as const;

export const groupProgressSchema = {
  type: 'object',
  properties: {
    group_id: { type: 'string' },
    priority: { type: 'integer' },
    ...statusCounts,
    paused: { type: 'boolean', description: 'its batches are not claimed (POST /api/v3/pause/{id}?group=…)' },
  },
} as const;

export const monitorStatusSchema = {
  type: 'object',
  properties: { ...statusSchema.properties, groups: { type: 'array', items: groupProgressSchema }, paused_groups: { type: 'array', items: { type: 'string' } }, polled_at: { type: 'string', format: 'date-time' } },
  required: [...statusSchema.required, 'groups'],
} as const;

/** A CSV output's encoding (`--encoding` of the CLI). */
export const outputEncodingSchema = {
  type: 'string',
  enum: OUTPUT_ENCODINGS,
  description: "a CSV output's encoding: keep the source's (default; a GBK file that gains characters GBK lacks becomes GB18030, which Excel on Chinese Windows misreads) or utf-8-bom",
} as const;

export const translateBodySchema = {
  type: 'object',
  properties: {
    session_id: { type: 'string', minLength: 1, maxLength: 64 },
    options: {
      type: 'object',
      properties: {
        to: {
          description: 'target languages (BCP-47); default: every language column with empty cells',
          anyOf: [{ type: 'array', items: { type: 'string', minLength: 1, maxLength: 35 }, maxItems: 50 }, { type: 'string', minLength: 1, maxLength: 500 }],
        },
        from: { type: 'string', minLength: 1, maxLength: 35, description: 'source language; default: the fullest language column' },
        overwrite: { type: 'boolean', default: false, description: 'also replace translations already in target cells' },
        encoding: outputEncodingSchema,
        lane: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$', description: "the queue lane the job runs on (its batches go to that lane's queue; its calls get the lane's priority at the rate limiter); default translation" },
      },
      additionalProperties: false,
      default: {},
    },
  },
  required: ['session_id'],
  additionalProperties: false,
} as const;

export interface TranslateBody {
  session_id: string;
  options: { to?: string[] | string; from?: string; overwrite?: boolean; encoding?: OutputEncoding; lane?: string };
}

export const translateReplySchema = {
  type: 'object',
  properties: {
    session_id: { type: 'string' },
    status: { type: 'string', enum: JOB_STATUSES },
    task_count: { ...count, description: 'absent while the job is `analyzing` (with a queue: the ingestion lane splits it after the answer)' },
    unique_texts: count,
    batches: count,
    languages: { type: 'array', items: { type: 'string' } },
    estimated_time: { type: 'number', description: 'seconds at the configured RPM/TPM limits; absent while `analyzing`' },
    status_url: { type: 'string' },
  },
  required: ['session_id', 'status', 'status_url'],
} as const;

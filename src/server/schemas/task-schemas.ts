import { TASK_STATUSES } from '../../store/statuses.ts';
import { nullableNumber, nullableString, pageProperties } from './common-schemas.ts';

/** Schemas of the task-level answers: the task DataFrame (seed 000 §3.1 columns) and results. */

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;

/** Every seed 000 §3.1 column; internal ones (lease, dedupe key) stay out. */
export const taskRowSchema = {
  type: 'object',
  properties: {
    task_id: str,
    batch_id: nullableString,
    group_id: str,
    source_lang: str,
    source_text: str,
    source_context: nullableString,
    game_context: nullableString,
    target_lang: str,
    target_region: nullableString,
    excel_id: str,
    sheet_name: str,
    row_idx: int,
    col_idx: int,
    cell_ref: str,
    status: { type: 'string', enum: TASK_STATUSES },
    priority: int,
    worker_id: nullableString,
    start_time: nullableNumber,
    end_time: nullableNumber,
    duration_ms: nullableNumber,
    result: nullableString,
    confidence: nullableNumber,
    quality_score: nullableNumber,
    token_count: nullableNumber,
    model_name: nullableString,
    retry_count: int,
    error_msg: nullableString,
    error_type: nullableString,
    is_persisted: int,
    checkpoint_id: nullableString,
    persist_time: nullableNumber,
    qa_flags: { type: ['array', 'null'], items: str },
  },
} as const;

const statusFilter = {
  description: 'keep only these statuses (comma-separated)',
  type: 'string',
  pattern: `^(${TASK_STATUSES.join('|')})(,(${TASK_STATUSES.join('|')}))*$`,
} as const;

export const taskQuerySchema = {
  type: 'object',
  properties: {
    ...pageProperties,
    status: statusFilter,
    group: { type: 'string', maxLength: 128 },
    lang: { type: 'string', maxLength: 35 },
  },
  additionalProperties: false,
} as const;

export interface TaskQuery {
  page: number;
  page_size: number;
  status?: string;
  group?: string;
  lang?: string;
}

export const resultQuerySchema = {
  type: 'object',
  properties: { ...pageProperties, lang: { type: 'string', maxLength: 35 } },
  additionalProperties: false,
} as const;

const pageReply = (itemsKey: string, items: object) =>
  ({
    type: 'object',
    properties: {
      session_id: str,
      page: int,
      page_size: int,
      total: int,
      pages: int,
      [itemsKey]: { type: 'array', items },
    },
    required: ['session_id', 'page', 'page_size', 'total', 'pages', itemsKey],
  }) as const;

export const taskPageSchema = pageReply('tasks', taskRowSchema);

export const resultRowSchema = {
  type: 'object',
  properties: {
    task_id: str,
    sheet_name: str,
    cell_ref: str,
    row_idx: int,
    col_idx: int,
    source_lang: str,
    target_lang: str,
    source_text: str,
    result: nullableString,
    status: { type: 'string', enum: ['completed', 'needs_review'] },
    quality_score: nullableNumber,
    confidence: nullableNumber,
    qa_flags: { type: ['array', 'null'], items: str },
  },
} as const;

export const resultPageSchema = pageReply('results', resultRowSchema);

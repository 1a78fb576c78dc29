import { JOB_STATUSES } from '../../store/statuses.ts';

/** Schemas of `POST /api/v3/map` and of the report routes. */

const count = { type: 'integer', minimum: 0 } as const;
const laneSchema = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' } as const;

export const mapBodySchema = {
  type: 'object',
  properties: {
    session_id: { type: 'string', minLength: 1, maxLength: 64, description: 'the upload session (POST /api/v3/upload) of the table' },
    recipe: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'a built-in recipe (review-insights, review-themes, review-translate, product-model) in place of prompt and schema' },
    prompt: { type: 'string', minLength: 1, maxLength: 100_000, description: "the prompt template's text, naming the row's columns as ${Column}" },
    schema: { type: 'object', additionalProperties: true, description: "the JSON Schema of one row's result (an object; each top-level property becomes a column)" },
    to: { type: 'string', minLength: 1, maxLength: 35, description: "a recipe's target language (review-translate)" },
    columns: {
      description: 'columns sent per row; default: those the prompt names',
      anyOf: [{ type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 200 }, { type: 'string', minLength: 1, maxLength: 5000 }],
    },
    id: { type: 'string', minLength: 1, maxLength: 200, description: 'the column naming each row (reports and JSON lines show it)' },
    classes: { type: 'string', minLength: 1, maxLength: 64, description: "a class table preset (reviews, seed-003); default the recipe's; none: packed by token budget" },
    group_by: { type: 'string', minLength: 1, maxLength: 200, description: "one call and one result per group of rows sharing this column's value (product-model: ProductId, its default); the output is a table of one row per group" },
    lane: { ...laneSchema, description: "the queue lane the job runs on; default the recipe's, else translation" },
  },
  required: ['session_id'],
  additionalProperties: false,
} as const;

export interface MapBody {
  session_id: string;
  recipe?: string;
  prompt?: string;
  schema?: Record<string, unknown>;
  to?: string;
  columns?: string[] | string;
  id?: string;
  classes?: string;
  group_by?: string;
  lane?: string;
}

export const mapReplySchema = {
  type: 'object',
  properties: {
    session_id: { type: 'string' },
    kind: { type: 'string', enum: ['map'] },
    lane: { type: 'string' },
    status: { type: 'string', enum: JOB_STATUSES },
    task_count: { ...count, description: 'rows planned; absent while the job is `analyzing` (with a queue: the ingestion lane plans it after the answer)' },
    unique_rows: count,
    batches: count,
    classes: { type: 'array', items: { type: 'object', properties: { class: { type: 'string' }, rows: count, calls: count } } },
    status_url: { type: 'string' },
  },
  required: ['session_id', 'kind', 'lane', 'status', 'status_url'],
} as const;

export const reportQuerySchema = {
  type: 'object',
  properties: { by: { type: 'string', minLength: 1, maxLength: 200, description: "the column grouping the counts (a product id); default the job's group column, else a ProductId column when there is one" } },
  additionalProperties: false,
} as const;

export interface ReportQuery {
  by?: string;
}

export const reportReplySchema = {
  type: 'object',
  properties: {
    session_id: { type: 'string' },
    request_id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'done'], description: 'done: made in this server; queued: a worker on the reports lane makes it (poll GET …/report)' },
    report_url: { type: 'string' },
    by: { type: ['string', 'null'] },
    rows: { ...count, description: 'rows counted (those the job output holds so far)' },
    fields: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['enum', 'boolean', 'array', 'category'] }, values: count } } },
    not_counted: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, reason: { type: 'string' } } } },
    sheets: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, rows: count } } },
  },
  required: ['session_id', 'request_id', 'status', 'report_url'],
} as const;

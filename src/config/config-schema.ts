import { z } from 'zod';
import { normalizeLanguageCode } from '../workbook/language-codes.ts';
import { classTableSchema, type ClassTable } from './class-table-schema.ts';
import { DEFAULT_LANE_POLICIES, UNLISTED_LANE, type LanePolicies, type LanePolicy } from '../limits/lane-policy.ts';
import { LANE_NAME } from '../queue/queue-lanes.ts';

/**
 * One schema for every option (seed 000 §2.1 keys), defaults in it. `load-config.ts` merges the
 * yaml file, the environment and CLI flags into one frozen {@link FanyiConfig}.
 *
 * A seed key either takes effect or is refused by {@link replacedBy} with what replaces it: a
 * setting that is accepted and silently does nothing is a bug.
 */

/**
 * A seed 000 §2.1 key fanyi does not honour: giving it is a config error (exit 2) whose message
 * (`<path>: <why>`) says what replaces it. Absent, it is undefined and nothing reads it.
 */
function replacedBy(why: string) {
  return z
    .unknown()
    .superRefine((_value, ctx) => ctx.addIssue({ code: 'custom', message: `${why}; remove the key` }))
    .optional();
}

const modelLimits = z
  .object({
    /** Largest prompt the model accepts, in tokens. */
    input_tokens: z.number().int().positive().default(98_304),
    /** Largest reply; binds before the input budget for translation (output ≈ input). */
    output_tokens: z.number().int().positive().default(16_384),
    /**
     * The model's (account's) requests per minute: a ceiling. Every endpoint's RPM — the
     * `performance.rpm_throttle` the limiter paces at, an endpoint's `rpm`, `--rpm` — is capped to
     * it (load-config.ts), estimates included. Unset (default): no ceiling beyond the throttles.
     */
    rpm_limit: z.number().int().positive().optional(),
    /** The model's tokens per minute: a ceiling on every endpoint's TPM, like `rpm_limit`. Unset: none. */
    tpm_limit: z.number().int().positive().optional(),
  })
  .strict();

const batchControl = z
  .object({
    max_chars_per_batch: z.number().int().min(100).max(500_000).default(50_000),
    max_concurrent_workers: z.number().int().min(1).max(200).default(10),
    /** Refused: batches are packed by token budget, so there is no minimum to keep. */
    min_batch_size: replacedBy(
      'batches are packed by token budget (llm.batch_control.max_batch_tokens, max_batch_size and the model_limits): a batch holds as many texts as fit, and a failing one is split down to single texts, so there is no minimum size',
    ),
    max_batch_size: z.number().int().min(1).max(1000).default(100),
    /** Cap on a batch's estimated input tokens; unset: derived from `model_limits`. */
    max_batch_tokens: z.number().int().min(50).optional(),
  })
  .strict();

/**
 * How a map job's rows are grouped into calls. `classes` (seed 003's ReviewClassifier): a preset
 * name (`seed-003`, `reviews`: class-presets.ts), a JSON/YAML file (relative to this config file;
 * load-config.ts reads it), or the table inline (class-table-schema.ts). Unset: the recipe's table,
 * or none (every row packed by token budget). `--classes NAME|FILE` overrides.
 */
const classesSpec = z
  .union([z.string().min(1), z.array(z.unknown()), z.record(z.string(), z.unknown())], { error: 'expected a preset name (seed-003, reviews), a file, or a table of classes' })
  .transform((value, ctx): string | ClassTable => {
    if (typeof value === 'string') return value;
    const result = classTableSchema.safeParse(Array.isArray(value) ? { classes: value } : value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  });

const batching = z.object({ classes: classesSpec.optional() }).strict();

const performance = z
  .object({
    rpm_throttle: z.number().int().positive().default(14_000),
    tpm_throttle: z.number().int().positive().default(1_100_000),
    retry_delay: z.number().min(0).default(5),
    max_retries: z.number().int().min(0).max(10).default(3),
    timeout: z.number().positive().default(30),
  })
  .strict();

const pricing = z.record(
  z.string(),
  z.object({ input_per_1m: z.number().min(0), output_per_1m: z.number().min(0), currency: z.string().default('USD') }).strict(),
);

/** One OpenAI-compatible endpoint of a pool (seed 004 load balancer); unset limits come from `performance`. */
const endpoint = z
  .object({
    /** Shown in status and logs. */
    name: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
    base_url: z.string().url(),
    /** Name of the environment variable holding this endpoint's key (the key never goes in a file). */
    api_key_env: z.string().optional(),
    /** Default: `llm.model`. */
    model: z.string().min(1).optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    /** Calls in flight on this endpoint at most. */
    max_concurrency: z.number().int().min(1).optional(),
    /** Share of traffic among endpoints with spare capacity. */
    weight: z.number().positive().default(1),
    /** Only used while every non-fallback endpoint is cooling down or out of service. */
    fallback: z.boolean().default(false),
  })
  .strict();

/** Seed 000 auto-degrade: when to stop sending to an endpoint, and when to give up on all of them. */
const failover = z
  .object({
    /** Consecutive timeouts/5xx/network errors after which an endpoint cools down (seed: 3). */
    consecutive_failures: z.number().int().min(1).default(3),
    /** Rest before one call probes a cooled-down endpoint, in seconds. */
    cooldown_seconds: z.number().positive().default(10),
    /** With calls failing and no endpoint answering for this long, the job stops (resumable). */
    give_up_seconds: z.number().positive().default(120),
  })
  .strict();

/** Seed 000 §2.2 dynamic adjustment, evaluated every `interval_seconds`. */
const adaptive = z
  .object({
    enabled: z.boolean().default(true),
    /** Ceiling for added workers (seed: 20); never below `max_concurrent_workers`. */
    max_workers: z.number().int().min(1).max(200).default(20),
    interval_seconds: z.number().positive().default(5),
  })
  .strict();

const llm = z
  .object({
    provider: z.enum(['openai', 'pseudo']).optional(),
    base_url: z.string().url().optional(),
    /** Name of the environment variable holding the key; the key itself never belongs in a file. */
    api_key_env: z.string().default('OPENAI_API_KEY'),
    model: z.string().min(1).default('gpt-4o-mini'),
    temperature: z.number().min(0).max(2).default(0.2),
    /**
     * Ask for token log probabilities, from which each result's `confidence` comes. On by
     * default; a server that refuses them is asked without from then on. Off: smaller replies.
     */
    logprobs: z.boolean().default(true),
    model_limits: modelLimits.default(() => modelLimits.parse({})),
    batch_control: batchControl.default(() => batchControl.parse({})),
    performance: performance.default(() => performance.parse({})),
    pricing: pricing.default({}),
    /** Several endpoints (and fallbacks); empty: one endpoint from base_url / flags / environment. */
    endpoints: z.array(endpoint).default([]),
    failover: failover.default(() => failover.parse({})),
    adaptive: adaptive.default(() => adaptive.parse({})),
  })
  .strict()
  .refine((value) => new Set(value.endpoints.map((e) => e.name)).size === value.endpoints.length, { message: 'endpoint names must be unique', path: ['endpoints'] });

const system = z
  .object({
    checkpoint_interval: z.number().positive().default(60),
    /**
     * Seconds between the dashboard's polls of the API (`fanyi serve`), the one periodic monitoring
     * refresh there is (the progress bar, /metrics and the status API are event-driven or on request).
     * Default 3, what the dashboard polled at before it was configurable (the seed's example has 5).
     */
    monitoring_interval: z.number().min(1).max(3600).default(3),
    /**
     * MB a run may hold while reading and planning a workbook (seed default 4096): a workbook whose
     * need, judged from its size before it is read, is over it is refused (exit 2) before anything
     * is stored or sent, and planning blocks shrink under a smaller budget (src/workbook/memory-budget.ts).
     */
    max_memory_usage: z.number().int().min(64).default(4096),
    log_level: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'debug', 'info', 'warn', 'warning', 'error']).default('INFO'),
  })
  .strict();

const dataProcessing = z
  .object({
    /** Seed character counting, both keys refused: token estimates replaced it. */
    char_counting: z
      .object({
        include_context: replacedBy('the context sent with a text is always counted in its batch\'s token estimate (it is sent, so it is paid for)'),
        char_weight: replacedBy(
          'token estimates replace character counting: tokens are estimated per script (ASCII ~4 characters a token, CJK and Thai ~1), and the limiter corrects its reservations from the usage each reply reports',
        ),
      })
      .strict()
      .optional(),
    cell_processing: z
      .object({
        max_cell_chars: z.number().int().positive().default(10_000),
        split_large_cells: z.literal(false).default(false),
        max_file_mb: z.number().positive().default(200),
        max_uncompressed_mb: z.number().positive().default(1024),
        max_cells: z.number().int().positive().default(5_000_000),
      })
      .strict()
      .default(() => ({ max_cell_chars: 10_000, split_large_cells: false as const, max_file_mb: 200, max_uncompressed_mb: 1024, max_cells: 5_000_000 })),
  })
  .strict();

/**
 * `auto` or a list of BCP-47 codes (`en`, `pt-BR`) or game codes (`JP`), made canonical. The codes
 * are checked after the union matched, so an unknown one is an error naming it, not "Invalid input".
 */
const referenceLanguages = z.union([z.literal('auto'), z.array(z.string()).max(20)], { error: 'expected auto or a list of language codes such as [en, ja]' }).transform((value, ctx) => {
  if (value === 'auto') return value;
  return value.map((code, i) => {
    const canonical = normalizeLanguageCode(code);
    if (!canonical) ctx.addIssue({ code: 'custom', path: [i], message: `unknown language code "${code}" (use BCP-47 such as en, ja, pt-BR)` });
    return canonical ?? code;
  });
});

const translation = z
  .object({
    game_context: z.string().default(''),
    /** Glossary file (csv/tsv/xlsx: source term, one column per language, optional note and DNT columns); `--glossary` overrides. */
    glossary: z.string().default(''),
    /** Reuse translations of earlier jobs in the same store (exact text, context, language, glossary); `--no-memory` turns it off. */
    memory: z.boolean().default(true),
    /** Priority 1–10 per content class or sheet (`UI`, `DIALOG`, `ITEM`, `TEXT`, or a sheet name); lower runs first. */
    group_priority: z.record(z.string(), z.number().int().min(1).max(10)).default({}),
    /**
     * Which other language cells of a row go beside its text as reference translations. Each is
     * paid for on every call, so not every language of a wide table. `auto` (default): at most 2,
     * English where it is not the source, then the language column most complete over the sheet.
     * A list (`[en, ja]`): those of its languages that have a column filled in the row, in list
     * order. `[]`: none. Never the source or the target language. Part of the dedupe key.
     */
    reference_languages: referenceLanguages.default('auto'),
  })
  .strict();

/**
 * A map keyed by target language code (BCP-47 such as `pt-BR`, or a game code such as `JP`). An
 * unknown code is an error naming it, not a setting that silently never applies.
 */
function byLanguage<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const code of Object.keys(map)) {
      if (!normalizeLanguageCode(code)) ctx.addIssue({ code: 'custom', path: [code], message: `unknown language code "${code}" (use BCP-47 such as pt-BR, th, zh-TW)` });
    }
  });
}

/** A source text and its approved translation (seed 003's "Input → Output" examples). */
const fewShotExample = z.object({ source: z.string().min(1).max(500), target: z.string().min(1).max(500) }).strict();

/** What the translate prompt adds per target language (llm/prompts/prompt-style.ts). */
const prompts = z
  .object({
    /** A custom system prompt template (a file, relative to the config file) with the built-in's `${…}` slots; default: translate.system.md. */
    system: z.string().min(1).optional(),
    /** Per target language: a short note for the system prompt (`pt-BR: Use você…`); overrides the built-in notes, `""` turns one off. */
    language_notes: byLanguage(z.string().max(500)).default({}),
    /** Per target language: examples sent before every batch into it, as one earlier exchange in the wire format. */
    examples: byLanguage(z.array(fewShotExample).min(1).max(20)).default({}),
  })
  .strict();

/** One API token of `fanyi serve`, named by the environment variable holding it: the token itself never goes in a file. */
const serverToken = z
  .object({
    token_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
    /** Whose jobs the token sees; default `default` (CLI jobs and a server without tokens). */
    tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1–64 letters, digits, '.', '_' or '-'").default('default'),
  })
  .strict();

/** `fanyi serve`; tokens here add to those of `FANYI_TOKENS=token:tenant,…`. */
const server = z
  .object({
    tokens: z.array(serverToken).default([]),
    /**
     * Uploads read and jobs stored at once, each in a worker thread of its own off the event loop
     * (src/server/file-threads/); the rest wait in line, first come first served. Default 2.
     */
    file_threads: z.number().int().min(1).max(64).default(2),
    /** Of those, at once per tenant, so one tenant's big uploads never hold every thread. Default 1. */
    file_threads_per_tenant: z.number().int().min(1).max(64).default(1),
    /** A tenant's uploads and starts waiting in line past which the next answers 429 `RATE_LIMITED`. Default 4. */
    file_queue_per_tenant: z.number().int().min(0).max(1000).default(4),
  })
  .strict();

/**
 * Where jobs are kept. `--store` / `--db` and env `FANYI_STORE_URL` (`FANYI_FILES_DIR`) override
 * (load-config.ts). Unset: `sqlite:fanyi.db` in the working directory.
 */
const store = z
  .object({
    /** `sqlite:PATH`, `postgres://user:pass@host:5432/db` or `mysql://user:pass@host:3306/db` (MySQL 8, MariaDB 10.11). */
    url: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/|mysql:\/\/|mariadb:\/\/)/, 'expected sqlite:PATH, postgres://… or mysql://…').optional(),
    /** Source workbooks, uploads, outputs, checkpoints. Default: `<file>.files` beside a SQLite store, `./fanyi.files` with a server database. */
    files_dir: z.string().min(1).optional(),
  })
  .strict();

/**
 * The queue that hands batches to workers on any machine. `--queue` and env `FANYI_QUEUE_URL`
 * (`FANYI_QUEUE_PREFIX`) override (load-config.ts). Unset: the in-process pool, nothing to run.
 */
const queue = z
  .object({
    /** `redis://[:pass@]host:6379[/db]` (or `rediss://`), or `postgres://…` (BullMQ's PostgreSQL back end). */
    url: z.string().regex(/^(rediss?:\/\/|postgres(ql)?:\/\/)/, 'expected redis://… or postgres://…').optional(),
    /** Key prefix of every queue (several fanyi installations may share one Redis). Default `fanyi`. */
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1–64 letters, digits, '.', '_' or '-'").default('fanyi'),
    /**
     * The Redis every worker's rate limits live in (seed 003's global limiter: one RPM/TPM/in-flight
     * budget per endpoint for all workers). Default: the queue's URL when it is Redis. With a
     * PostgreSQL queue and no Redis, each worker paces on its share of each endpoint's budget, its
     * concurrency over every online worker's (queue/worker-shares.ts), and says so at start.
     */
    limits_url: z.string().regex(/^rediss?:\/\//, 'expected redis://…').optional(),
    /**
     * A worker (`fanyi worker`, `serve --workers`) waits a random 0 to this many ms before taking
     * its first entry (seed 003 §B), so many workers restarted at once do not hit the endpoint in
     * the same instant. 0: start at once. Default 2000.
     */
    start_jitter_ms: z.number().int().min(0).max(60_000).default(2_000),
  })
  .strict();

/** One queue lane's share of an endpoint's budget (limits/lane-policy.ts). */
const lanePolicy = z
  .object({
    /** Waiting calls of a higher priority go first. */
    priority: z.number().int().min(0).max(1_000).optional(),
    /** 0–0.9: the share of the endpoint's RPM/TPM the lane is sure of while it has calls waiting. */
    reserved_share: z.number().min(0).max(0.9).optional(),
  })
  .strict();

/**
 * How the queue lanes share each endpoint's one budget (seed 003's global limiter with a VIP lane):
 * `lanes.<lane>.priority` and `.reserved_share`, merged over the defaults (DEFAULT_LANE_POLICIES:
 * learning 40, insight/theme extraction 30, translation 20 with a 0.1 reserve, reports 10).
 */
const limits = z
  .object({
    lanes: z
      .record(z.string(), lanePolicy)
      .default({})
      .superRefine((given, ctx) => {
        for (const lane of Object.keys(given)) {
          if (!LANE_NAME.test(lane)) ctx.addIssue({ code: 'custom', path: [lane], message: `'${lane}' is not a lane name (lower case letters, digits and _, starting with a letter, at most 32 characters)` });
        }
      })
      .transform((given): LanePolicies => {
        const merged: Record<string, LanePolicy> = { ...DEFAULT_LANE_POLICIES };
        for (const [lane, p] of Object.entries(given)) {
          const base = merged[lane] ?? UNLISTED_LANE;
          merged[lane] = { priority: p.priority ?? base.priority, reservedShare: p.reserved_share ?? base.reservedShare };
        }
        return merged;
      })
      // Reserves are each lane's floor; together they must leave the rest something to be shared by priority.
      .refine((lanes) => Object.values(lanes).reduce((sum, p) => sum + p.reservedShare, 0) <= 0.9, { message: 'the reserved_share of all lanes together must be at most 0.9' }),
  })
  .strict();

export const configSchema = z
  .object({
    llm: llm.default(() => llm.parse({})),
    batching: batching.default(() => batching.parse({})),
    system: system.default(() => system.parse({})),
    data_processing: dataProcessing.default(() => dataProcessing.parse({})),
    translation: translation.default(() => translation.parse({})),
    prompts: prompts.default(() => prompts.parse({})),
    server: server.default(() => server.parse({})),
    store: store.default(() => store.parse({})),
    queue: queue.default(() => queue.parse({})),
    limits: limits.default(() => limits.parse({})),
  })
  .strict();

export type FanyiConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

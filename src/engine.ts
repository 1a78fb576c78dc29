import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FanyiConfig } from './config/config-schema.ts';
import type { ConfigOverrides } from './config/load-config.ts';
import { applyResumeFlags, type ProviderKeys, type RunSettings } from './config/run-settings.ts';
import { JobProviders } from './executor/job-providers.ts';
import { PAUSED_BY_REQUEST, type ExportOptions, type JobOptions, type JobOutcome, type TranslateInput } from './job-types.ts';
import { FanyiError } from './errors.ts';
import { Checkpointer } from './checkpoints/checkpointer.ts';
import { buildJobRun, type JobRunParts } from './executor/create-job-dispatcher.ts';
import type { JobControlFactory } from './executor/job-control.ts';
import { JobRunCache } from './executor/job-run-cache.ts';
import type { EndpointPool } from './llm/endpoints/endpoint-pool.ts';
import { PromptStyle } from './llm/prompts/prompt-style.ts';
import { EngineEvents } from './monitor/engine-events.ts';
import { checkReviewPath, writeJobOutput, type WrittenOutput } from './review/job-output.ts';
import type { CancelBroadcast, DispatcherFactory } from './queue/dispatcher.ts';
import { releaseDeadLeases } from './queue/local/release-dead-leases.ts';
import { checkJobLane, DEFAULT_LANE, laneOf } from './queue/queue-lanes.ts';
import { RunRegistry } from './queue/local/run-registry.ts';
import type { BatchRow, JobRow, JobStore, NewJob, NewTaskRows, CreateJobReads } from './store/job-store.ts';
import { sourcesDir } from './store/create-store.ts';
import { retryTransient } from './store/transient-errors.ts';
import { DiskFileStore } from './store/files/disk-file-store.ts';
import type { FileStore } from './store/files/file-store.ts';
import { analyseFile, readJobInput, type AnalysedFile } from './tasks/analyse-file.ts';
import { toGlossaryRows } from './tasks/glossary/glossary.ts';
import { fieldSummary, plannedTaskRows, startJob, toBatchRows, type PreparedJob } from './tasks/prepare-job.ts';
import { createMapJob, type MapJobInput } from './map/map-job.ts';
import type { MapPlan } from './map/plan-map.ts';
import type { ClassTable } from './config/class-table-schema.ts';
import { rowClassifier } from './tasks/batching/review-classes.ts';
import { JobReports, type ReportRequest } from './report/job-reports.ts';
import type { TaskSink } from './tasks/plan-tasks.ts';
import type { WorkbookScan } from './workbook/sheet-model.ts';

// Reading and planning a file lives in tasks/analyse-file.ts, the job's shapes in job-types.ts;
// re-exported so callers keep one entry.
export { analyseFile, readJobInput, readLimits, type AnalyseInput, type AnalysedFile } from './tasks/analyse-file.ts';
export { PAUSED_BY_REQUEST, type ExportOptions, type JobOptions, type JobOutcome, type TranslateInput } from './job-types.ts';
export type { MapJobInput } from './map/map-job.ts';

export interface EngineOptions {
  store: JobStore;
  /** This process's config; a job's own `llm` and `prompts` settings come from its stored RunSettings. */
  config: FanyiConfig;
  /** What a new job is run with (stored with it; presets.ts defaultRunSettings). */
  run: RunSettings;
  /**
   * A job's endpoints behind one router, each with its own limiter and breaker, keys from this
   * process (presets.ts createProvider). Jobs with the same endpoints share one pool, and so one budget.
   */
  providers: (settings: RunSettings) => Promise<EndpointPool>;
  /** This machine's files dir: checkpoints, and the local copies of stored files. */
  filesDir: string;
  /**
   * Where job sources are kept (content-addressed) so resume and export never need the original;
   * with a shared store, every machine reads them (store/create-store.ts openStore). Default: the
   * files dir's `sources/` folder, readable on this machine only.
   */
  files?: FileStore;
  /** Builds each run's dispatcher: the back end that hands its batches to workers (presets.ts wires the local pool). */
  dispatchers: DispatcherFactory;
  /** A queue back end's broadcast: a cancel aborts the job's calls in every worker process. */
  cancels?: CancelBroadcast;
  /** The queue back end this engine dispatches to (a preset's), closed with the engine; absent: the local pool. */
  queue?: EngineQueue;
  /**
   * The queue lanes this process's in-process pool runs jobs of (`serve --lanes`); undefined:
   * every lane. A job on another lane is stored and left to a process that serves it.
   */
  lanes?: readonly string[];
  events?: EngineEvents;
  /**
   * Builds each run's adaptive control. Default: an in-process AdaptiveControl per run; with the
   * shared Redis limiter, presets.ts passes one shared per endpoint (executor/shared-adaptive-control.ts).
   */
  controls?: JobControlFactory;
}

/** What the engine and its callers see of a queue back end (presets.ts wires BullMQ). */
export interface EngineQueue {
  /** `redis://host:6379` without its password, for messages. */
  readonly label: string;
  /** Entries waiting or being worked on, per lane (`fanyi status`, `/metrics`). */
  depth(lane: string): Promise<number>;
  /** Queues the preparation of a job stored `analyzing` on the `ingestion` lane (idempotent). */
  enqueueIngestion(jobId: string): Promise<void>;
  /** Queues a report of a map job on the `reports` lane (JobReports.request); idempotent by request id. */
  enqueueReport(ref: ReportRequest): Promise<void>;
  close(): Promise<void>;
}

/** The engine the CLI and the API share: prepare a job, run it, write its results back. */
export class Engine {
  readonly events: EngineEvents;
  readonly store: JobStore;
  readonly config: FanyiConfig;
  readonly checkpoints: Checkpointer;
  /** New jobs' prompt settings (examples, language notes, system template), read and checked once. */
  readonly prompts: PromptStyle;
  /** Job sources and uploads (see EngineOptions.files). */
  readonly files: FileStore;
  /** Map jobs' reports: made here, or requested on the `reports` lane with a queue. */
  readonly reports: JobReports;
  readonly #o: EngineOptions;
  readonly #runs = new RunRegistry();
  /** Each job's endpoint pool, from its stored settings; jobs on the same endpoints share one. */
  readonly #providers: JobProviders;
  /** The runs this process works batches of for a queue (workBatch), one per job. */
  readonly #workRuns = new JobRunCache(async (job) => buildJobRun(await this.#partsFor(this.runSettings(job)), job));

  constructor(options: EngineOptions) {
    this.#o = options;
    this.store = options.store;
    this.config = options.config;
    this.events = options.events ?? new EngineEvents();
    this.files = options.files ?? new DiskFileStore(sourcesDir(options.filesDir));
    this.prompts = new PromptStyle(options.run.prompts);
    this.#providers = new JobProviders(options.run, options.providers);
    this.reports = new JobReports({ store: this.store, files: this.files, config: this.config, filesDir: options.filesDir, sourcePath: (job) => this.sourcePath(job), job: (jobId) => this.#job(jobId), queue: options.queue });
    this.checkpoints = new Checkpointer({ store: this.store, files: this.files, dir: path.join(options.filesDir, 'checkpoints'), exportWorkbook: (jobId, out, upToCheckpoint) => this.exportJob(jobId, out, { upToCheckpoint }) });
    // Every adjustment decided in this process, for any job: a shared control emits for each job
    // whose calls its period held, including jobs this process does not run.
    this.events.on('control:adjusted', (e) => void this.store.recordEvent(e.jobId, { kind: `adjust:${e.setting}`, message: `${e.setting} ${e.from} → ${e.to}: ${e.reason}`, data: e }).catch(() => undefined));
  }

  /** This machine's files dir: API outputs, exports, checkpoint workbooks built here, local copies of stored files. */
  get filesDir(): string {
    return this.#o.filesDir;
  }

  /** The cancel broadcast of the queue back end (a worker subscribes to it). */
  get cancels(): CancelBroadcast | undefined {
    return this.#o.cancels;
  }

  /** The queue back end jobs are enqueued on; undefined when this engine runs jobs in-process. */
  get queue(): EngineQueue | undefined {
    return this.#o.queue;
  }

  /** True when this process's pool runs jobs of `lane` (EngineOptions.lanes). */
  servesLane(lane: string): boolean {
    return !this.#o.lanes || this.#o.lanes.includes(lane);
  }

  /** The lanes this process's pool is restricted to; undefined: all. */
  get lanes(): readonly string[] | undefined {
    return this.#o.lanes;
  }

  /** Stops the queue runs' controls, closes the queue connection, then the store. */
  async close(): Promise<void> {
    this.#workRuns.clear();
    await this.#o.queue?.close();
    await this.store.close();
  }

  analyse(input: TranslateInput): Promise<AnalysedFile> {
    return analyseFile(input, this.config);
  }

  /** Stores the source, the tasks and the batches: from here on the job survives any crash. */
  async createJob(input: TranslateInput, analysed?: Pick<AnalysedFile, 'document' | 'options'>): Promise<{ job: JobRow; prepared: PreparedJob }> {
    checkReviewPath(input.reviewPath, input.outPath);
    if (input.lane !== undefined) checkJobLane(input.lane, 'lane');
    const jobId = input.jobId ?? newJobId();
    const run = this.#providers.defaults;
    const prepared = await this.#planAndStore(jobId, input, this.config, run, analysed, async (job, tasks, batches) => {
      await this.store.createJob(job, tasks, batches);
      return true;
    });
    const job = await this.store.getJob(jobId);
    return { job: job!, prepared: prepared! };
  }

  /**
   * A map job (`fanyi map`): an LLM result per row from a prompt and a JSON Schema, stored with
   * `kind` 'map'; run, resumed, exported and worked by queue workers like a translation.
   */
  async createMapJob(input: MapJobInput): Promise<{ job: JobRow; plan: MapPlan }> {
    checkReviewPath(input.reviewPath, input.outPath);
    const jobId = input.jobId ?? newJobId();
    const run = this.#providers.defaults;
    // Built now, so a missing key or URL stops before anything is stored.
    const pool = await this.#providers.pool(run);
    const plan = await createMapJob({ store: this.store, files: this.files, config: this.config, run, model: pool.model }, jobId, input);
    return { job: (await this.store.getJob(jobId))!, plan };
  }

  /**
   * With a queue (`serve --queue`): stores the job `analyzing` with a reference to its stored
   * file and queues its preparation on the `ingestion` lane, and returns; no byte of the file is
   * read here. A worker on that lane analyses it ({@link ingestJob}). Throws at once only for
   * what this process can tell without the file: a review path clash, endpoints it cannot call.
   * `sourceFile`: the file among the stored files (an upload's), readable from every machine.
   */
  async submitJob(input: TranslateInput & { sourceFile: string }): Promise<{ jobId: string; status: 'analyzing' }> {
    return this.#submit(() => this.storePendingJob(input));
  }

  /** {@link submitJob} for a map job: stored `analyzing` ({@link storePendingMapJob}), its rows planned on the ingestion lane. */
  async submitMapJob(input: PendingMapInput): Promise<{ jobId: string; status: 'analyzing' }> {
    return this.#submit(() => this.storePendingMapJob(input));
  }

  async #submit(storePending: () => Promise<string>): Promise<{ jobId: string; status: 'analyzing' }> {
    const queue = this.#o.queue;
    if (!queue) throw new FanyiError('USAGE', 'submitJob needs a queue back end; without one, createJob and runJob');
    const jobId = await storePending();
    await queue.enqueueIngestion(jobId);
    // Not read back: the answer must not wait on one more store round trip (seed 004: submit in under 5 ms).
    return { jobId, status: 'analyzing' };
  }

  /**
   * Stores the job `analyzing`, with its input and this process's run settings, and nothing read
   * of its file; {@link prepareJob} (a queue's ingestion lane, or a server's file thread) fills
   * it. Throws only for what needs no file: a review path clash, endpoints it cannot call.
   */
  async storePendingJob(input: TranslateInput & { sourceFile: string }): Promise<string> {
    const { file, sourceFile, jobId: _id, tenant, sourceName, outPath, ...pending } = input;
    return this.#storePending('translate', input, pending);
  }

  /**
   * A map job stored `analyzing` as {@link storePendingJob} stores a translation: its prompt,
   * schema, columns and class table kept until {@link prepareMapJob} reads the file and plans its rows.
   */
  async storePendingMapJob(input: PendingMapInput): Promise<string> {
    const { file, sourceFile, jobId: _id, tenant, sourceName, outPath, ...pending } = input;
    return this.#storePending('map', input, pending);
  }

  async #storePending(kind: 'translate' | 'map', input: PendingCommon, pending: PendingJobOptions['pending']): Promise<string> {
    checkReviewPath(input.reviewPath, input.outPath);
    const lane = input.lane === undefined ? DEFAULT_LANE : checkJobLane(input.lane, 'lane');
    await this.#providers.pool(this.#providers.defaults);
    const jobId = input.jobId ?? newJobId();
    const { translation, data_processing } = this.config;
    const options: PendingJobOptions = { pending, run: this.#providers.defaults, config: { translation, data_processing }, provider: this.#providers.defaults.provider, ...(input.priority ? { priority: input.priority } : {}) };
    const { file, sourceFile, tenant, sourceName, outPath } = input;
    await this.store.createJob({ jobId, kind, lane, tenant, sourceName: sourceName ?? path.basename(file), sourcePath: file, sourceFile, excelId: '', outPath: outPath ?? null, options, status: 'analyzing' }, [], []);
    return jobId;
  }

  /**
   * The `ingestion` lane's work on a job stored `analyzing` (submitJob): prepares it
   * ({@link prepareJob}) and enqueues its batches. A failure is stored with the job, not thrown:
   * a queue worker has no caller to tell.
   */
  async ingestJob(jobId: string): Promise<void> {
    // An unknown job is the caller's error; what fails in preparing is stored with the job.
    const job = await this.#job(jobId);
    if (job.status !== 'analyzing') return;
    const prepared = await (job.kind === 'map' ? this.prepareMapJob(jobId) : this.prepareJob(jobId)).catch(() => undefined);
    if (prepared) await this.enqueueJob(jobId);
  }

  /**
   * Reads and analyses the file of a job stored `analyzing` (storePendingJob), stores its tasks
   * and batches and leaves it `queued`, planned with the submitter's settings (its endpoints,
   * limits, prompts, splitting), never this process's defaults. Undefined when the job is no
   * longer analyzing (cancelled, or prepared by another worker): it is left as it is.
   * @throws what made it fail (an unreadable file, nothing to translate), after storing the job
   *   `failed` with the reason.
   */
  async prepareJob(jobId: string): Promise<PreparedJob | undefined> {
    return this.#preparePending(jobId, async (job, { pending, run, config }) => {
      const input: TranslateInput = { ...(pending as Omit<TranslateInput, PendingColumns>), file: await this.sourcePath(job), ...pendingColumns(job) };
      const prepared = await this.#planAndStore(jobId, input, { ...this.config, ...config, llm: run.llm }, run, undefined, (newJob, tasks, batches) => this.store.storeJobWork(newJob, tasks, batches), job.source_file ?? undefined);
      if (prepared && !prepared.tally.tasks) throw new FanyiError('NOTHING_TO_TRANSLATE', 'every target cell already holds text; name another language, or set overwrite');
      return prepared;
    });
  }

  /**
   * {@link prepareJob} for a map job stored `analyzing` ({@link storePendingMapJob}): reads its
   * file, plans its rows with the submitter's settings and stores them. Undefined when the job is
   * no longer analyzing; a failure is stored with the job, then thrown.
   */
  async prepareMapJob(jobId: string): Promise<MapPlan | undefined> {
    return this.#preparePending(jobId, async (job, { pending, run, config }) => {
      const { classTable, ...rest } = pending as PendingMap;
      const input: MapJobInput = { ...rest, classify: classTable ? rowClassifier(classTable) : undefined, file: await this.sourcePath(job), ...pendingColumns(job), lane: laneOf(job) };
      const model = (await this.#providers.pool(run)).model;
      let stored = true;
      const storeJob = async (newJob: NewJob, tasks: NewTaskRows, batches: () => BatchRow[]) => void (stored = await this.store.storeJobWork(newJob, tasks, batches));
      const plan = await createMapJob({ store: this.store, files: this.files, config: { ...this.config, ...config, llm: run.llm }, run, model, storeJob }, jobId, input);
      return stored ? plan : undefined;
    });
  }

  /**
   * The frame both preparations share: undefined when the job is no longer analyzing; `plan`'s
   * failure stored with the job (`failed`, with the reason), then thrown.
   */
  async #preparePending<T>(jobId: string, plan: (job: JobRow, options: PendingJobOptions) => Promise<T | undefined>): Promise<T | undefined> {
    const job = await this.#job(jobId);
    if (job.status !== 'analyzing') return undefined;
    try {
      return await plan(job, JSON.parse(job.options) as PendingJobOptions);
    } catch (error) {
      throw await this.#failPreparing(jobId, error);
    }
  }

  /** Stores the job `failed` with why its preparation failed; returns the error to throw. */
  async #failPreparing(jobId: string, error: unknown): Promise<unknown> {
    const message = error instanceof Error ? error.message : String(error);
    await this.store.setJobStatus(jobId, 'failed', `preparing the job failed: ${message}`);
    await this.store.recordEvent(jobId, { kind: 'failed', message: `preparing the job failed: ${message}` }).catch(() => undefined);
    return error;
  }

  /**
   * Plans the job while `store` stores it (one pass over the rows: analysis unless given, memory,
   * glossary, the stored source), run with `run`. Undefined when `store` declined (an ingestion of
   * a job no longer analyzing).
   */
  async #planAndStore(
    jobId: string,
    input: TranslateInput,
    config: FanyiConfig,
    run: RunSettings,
    analysed: Pick<AnalysedFile, 'document' | 'options'> | undefined,
    store: (job: NewJob, tasks: (reads: CreateJobReads) => NewTaskRows, batches: () => BatchRow[]) => Promise<boolean>,
    storedSource?: string,
  ): Promise<PreparedJob | undefined> {
    // Built now, so a missing key or URL stops before anything is stored.
    const pool = await this.#providers.pool(run);
    const { document, options: planOptions } = analysed ?? (await readJobInput(input, config));
    const withMemory = input.memory ?? config.translation.memory;
    const sink: TaskSink = {};
    const plan = startJob(document, config, planOptions, sink);
    if (planOptions.glossary) await this.store.saveGlossary(planOptions.glossary.version, toGlossaryRows(planOptions.glossary));
    // An ingested job's source is stored already (`storedSource`, its id `<sha256><ext>`): not hashed and sent again.
    const source = storedSource ? { id: storedSource, sha256: storedSource.slice(0, 64) } : await this.files.put(input.file);
    // The tasks' source id (excel_id), as it was before files were stored: the first half of the hash.
    const excelId = source.sha256.slice(0, 32);
    const sourcePath = storedSource ? input.file : await this.files.localPath(source.id);
    const gameContext = planOptions.gameContext ?? '';
    let prepared: PreparedJob | undefined;
    // Planned while stored: the options and batches are known once the last task is in.
    const planned = () => (prepared ??= plan.finish());
    const options = (): JobOptions => this.#jobOptions(input, document, pool.model, run, planned());
    const stored = await store(
      { jobId, kind: 'translate', lane: input.lane, tenant: input.tenant, sourceName: input.sourceName ?? path.basename(input.file), sourcePath, sourceFile: source.id, excelId, outPath: input.outPath ?? null, options },
      (reads) => {
        // Tasks earlier jobs translated are answered from translation memory, block by block, before packing.
        if (withMemory) sink.lookupMemory = (keys) => reads.lookupMemory(keys);
        return plannedTaskRows(plan, jobId, excelId, gameContext, withMemory);
      },
      () => toBatchRows(jobId, planned().batches),
    );
    return stored ? planned() : undefined;
  }

  #jobOptions(input: TranslateInput, document: WorkbookScan, model: string, run: RunSettings, prepared: PreparedJob): JobOptions {
    const sheetNames = document.sheets.map((s) => s.name);
    return {
      format: document.format,
      to: input.to,
      from: input.from,
      overwrite: input.overwrite ?? false,
      provider: run.provider,
      model,
      run,
      newHeaders: prepared.split.newHeaders.map((h) => ({ sheetName: sheetNames[h.sheetIndex], row: h.row, col: h.col, text: h.text })),
      fields: fieldSummary(prepared),
      keptHuman: prepared.split.keptHuman,
      uniqueTexts: prepared.uniqueTexts,
      batches: prepared.batches.length,
      gameContext: prepared.gameContext,
      glossaryVersion: prepared.glossary?.version,
      memoryCells: prepared.memoryCells,
      ...(input.writeUnreviewed ? { writeUnreviewed: true } : {}),
      ...(input.highlight ? { highlight: true } : {}),
      ...(input.reviewPath ? { reviewPath: input.reviewPath } : {}),
      ...(input.encoding ? { encoding: input.encoding } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
    };
  }

  /**
   * Runs (or resumes) a job to the end, then writes the output. Abort, a pause or paused groups
   * leave it resumable (`paused`); a cancelled job is never run again.
   */
  async runJob(jobId: string, signal: AbortSignal = new AbortController().signal, output: ExportOptions = {}): Promise<JobOutcome> {
    // Registered before the first await: a pause or cancel arriving now waits for `running` to be stored.
    const run = this.#runs.open(jobId, signal);
    try {
      const job = await this.#job(jobId);
      if (job.status === 'cancelled') throw new FanyiError('USAGE', `job ${jobId} was cancelled; a cancelled job is never run again`);
      if (job.status === 'analyzing') throw stillAnalyzing(jobId);
      if (!this.servesLane(laneOf(job))) throw new FanyiError('USAGE', `job ${jobId} runs on lane ${laneOf(job)}, which this process does not serve (lanes ${this.#o.lanes?.join(', ')})`);
      // Before anything changes: a missing key stops here, with the job as it was.
      const parts = await this.#partsFor(this.runSettings(job));
      return await this.#run(job, parts, run.signal, run.markStarted, output);
    } finally {
      run.close();
    }
  }

  async #run(job: JobRow, parts: JobRunParts, signal: AbortSignal, markStarted: () => void, output: ExportOptions): Promise<JobOutcome> {
    const started = Date.now();
    const jobId = job.job_id;
    await releaseDeadLeases(this.store, jobId, { ownLeasesAreStale: !this.#o.queue });
    await this.store.setJobStatus(jobId, 'running');
    markStarted();
    const { control, dispatcher } = await buildJobRun(parts, job);
    const unsubscribe = parts.provider.onChange((e) => void this.store.recordEvent(jobId, { kind: `endpoint:${e.state}`, message: e.message }).catch(() => undefined));
    control.start();
    const stopCheckpoints = this.checkpoints.every(jobId, path.extname(job.source_path), this.config.system.checkpoint_interval * 1000);
    try {
      await dispatcher.run(jobId, signal);
    } catch (error) {
      await this.store.setJobStatus(jobId, 'failed', error instanceof Error ? error.message : String(error));
      // Best effort: what stays unremembered is remembered by the next memory lookup.
      await this.store.rememberResults(jobId).catch(() => undefined);
      throw error;
    } finally {
      await stopCheckpoints();
      control.stop();
      unsubscribe();
    }
    // Each step from here is a read or an idempotent write, retried over a dropped database connection
    // (a server store): the work is done, and a blink of the database must not fail the job now.
    // Commits leave translation memory to one statement per run (a crash before it loses nothing: see JobStore.rememberResults).
    await retryTransient(() => this.store.rememberResults(jobId));
    if (signal.aborted && this.#o.queue) return this.#detached(jobId, started);
    if (signal.aborted || (await retryTransient(() => this.store.openBatchCount(jobId))) > 0) return this.#stopped(jobId, signal.aborted, started);
    const written = job.out_path ? await retryTransient(() => this.writeOutput(jobId, job.out_path!, output)) : null;
    // A queue worker may have completed it already: one conditional update, one `completed`.
    await retryTransient(() => this.store.completeJob(jobId));
    this.events.emit('job:finished', { jobId, status: 'completed' });
    const review = { reviewSheet: written?.reviewSheet ?? null, reviewFile: written?.reviewFile ?? null, encodingLoss: written?.encodingLoss ?? null };
    return { job: (await retryTransient(() => this.store.getJob(jobId)))!, counts: await retryTransient(() => this.store.countByStatus(jobId)), outPath: written?.outPath ?? null, ...review, durationMs: Date.now() - started };
  }

  /**
   * Stopped with work left: aborted (shutdown, cancel) or nothing claimable (the job or its
   * remaining groups paused). A cancel or a person's pause stays as it was stored.
   */
  async #stopped(jobId: string, aborted: boolean, started: number): Promise<JobOutcome> {
    const job = await this.#job(jobId);
    if (job.status === 'running') {
      const reason = aborted ? 'interrupted' : `waiting for paused groups: ${(await this.store.pausedGroups(jobId)).join(', ')}`;
      await this.store.setJobStatus(jobId, 'paused', reason);
    }
    const stored = (await this.store.getJob(jobId))!;
    this.events.emit('job:finished', { jobId, status: stored.status });
    return { job: stored, counts: await this.store.countByStatus(jobId), outPath: null, durationMs: Date.now() - started };
  }

  /** A submitter that stopped following a queued job: the workers go on with it, its status stays. */
  async #detached(jobId: string, started: number): Promise<JobOutcome> {
    return { job: await this.#job(jobId), counts: await this.store.countByStatus(jobId), outPath: null, durationMs: Date.now() - started };
  }

  /**
   * Stops handing out the job's batches, in every process sharing the store; batches already
   * claimed finish, since their calls are under way and paid for. The run then stores `paused`.
   */
  async pauseJob(jobId: string): Promise<void> {
    // A job paused before it has tasks would never get them: its analysis runs only while `analyzing`.
    if ((await this.#job(jobId)).status === 'analyzing') throw stillAnalyzing(jobId);
    await this.#runs.whenStarted(jobId);
    await this.store.setJobStatus(jobId, 'paused', PAUSED_BY_REQUEST);
  }

  /**
   * Marks the job cancelled (never claimed again), aborts this process's in-flight calls for it
   * (the HTTP requests are closed), and hands every leased batch back. Committed results stay.
   */
  async cancelJob(jobId: string): Promise<void> {
    await this.#runs.whenStarted(jobId);
    await this.store.setJobStatus(jobId, 'cancelled', 'cancelled by request');
    await this.#runs.abort(jobId, new Error('job cancelled'));
    // Workers on other machines abort their calls when told; one that misses it finds its lease gone.
    await this.#o.cancels?.publish(jobId).catch(() => undefined);
    for (const { batchId } of await this.store.leasedBatches(jobId)) await this.store.releaseBatch(jobId, batchId);
    this.#workRuns.drop(jobId);
    this.checkpoints.forget(jobId);
  }

  /**
   * Stores the job `running` and hands its open batches to the dispatcher's workers, and returns
   * (a queue: `translate --detach`, `serve --queue`); workers elsewhere run it to the end.
   */
  async enqueueJob(jobId: string): Promise<void> {
    const job = await this.#job(jobId);
    if (job.status === 'cancelled') throw new FanyiError('USAGE', `job ${jobId} was cancelled; a cancelled job is never run again`);
    const { dispatcher } = await buildJobRun(await this.#partsFor(this.runSettings(job)), job);
    await this.store.setJobStatus(jobId, 'running');
    await dispatcher.enqueue(jobId);
  }

  /**
   * A queue worker's work on one batch (`fanyi worker`): leases it, runs it as the engine's own
   * run would (the same endpoints, runner and prompts, built once per job), and when it was the
   * job's last open batch, completes the job: exactly one worker does, remembers its results and
   * records the event. False when the batch was not claimable (done, leased, paused).
   */
  async workBatch(jobId: string, batchId: string, workerId: string, signal: AbortSignal): Promise<boolean> {
    const job = await this.#job(jobId);
    const { dispatcher } = await this.#workRuns.get(job);
    const worked = await dispatcher.work(jobId, batchId, workerId, signal);
    if (worked && !signal.aborted) {
      // The checkpoint timer of a queued job: its submitter may have detached, so workers keep it.
      const interval = this.config.system.checkpoint_interval * 1000;
      await this.checkpoints.createIfDue(jobId, path.extname(job.source_path), interval, job.created_at).catch(() => undefined);
      await this.#completeIfDone(jobId, workerId);
    }
    return worked;
  }

  async #completeIfDone(jobId: string, workerId: string): Promise<void> {
    if ((await this.store.openBatchCount(jobId)) > 0 || !(await this.store.completeJob(jobId))) return;
    this.#workRuns.drop(jobId);
    this.checkpoints.forget(jobId);
    // Best effort, as at the end of a run: what stays unremembered is remembered by the next lookup.
    await this.store.rememberResults(jobId).catch(() => undefined);
    await this.store.recordEvent(jobId, { kind: 'completed', message: `last batch finished by worker ${workerId}` });
    this.events.emit('job:finished', { jobId, status: 'completed' });
  }

  /** True while this process runs the job (also while it finishes the batches claimed before a pause). */
  isRunning(jobId: string): boolean {
    return this.#runs.has(jobId);
  }

  /**
   * Writes what is translated so far into a copy of the source, Review sheet included; works
   * mid-run too (checkpoints, API downloads). No separate review file: see writeOutput.
   */
  async exportJob(jobId: string, outPath?: string, output: ExportOptions = {}): Promise<string> {
    return (await this.writeOutput(jobId, outPath, output, false)).outPath;
  }

  /** The output and, unless `withFile` is false, the separate review file (`--review`, CSV outputs). */
  async writeOutput(jobId: string, outPath?: string, output: ExportOptions = {}, withFile = true): Promise<WrittenOutput> {
    const job = await this.#job(jobId);
    const target = outPath ?? job.out_path;
    if (!target) throw new FanyiError('USAGE', `job ${jobId} has no output path; pass --out`);
    return writeJobOutput(this.store, { ...job, source_path: await this.sourcePath(job) }, target, output, withFile);
  }

  /**
   * A local path holding the job's source: its stored file, copied to this machine first if it
   * is not here (another machine made the job); a job made before files were stored (migration
   * 009) has only the path it was kept at.
   */
  async sourcePath(job: JobRow): Promise<string> {
    return job.source_file ? this.files.localPath(job.source_file) : job.source_path;
  }

  /** Stores the output options given (resume's flags) with the job, so later exports follow them too. */
  async storeOutputOptions(jobId: string, output: ExportOptions): Promise<void> {
    const given = Object.entries(output).filter(([, value]) => value !== undefined);
    if (!given.length) return;
    const job = await this.#job(jobId);
    checkReviewPath(output.reviewPath, job.out_path);
    await this.store.setJobOptions(jobId, { ...(JSON.parse(job.options) as JobOptions), ...Object.fromEntries(given) });
  }

  /** How the job runs: its stored settings (executor/job-providers.ts). */
  runSettings(job: JobRow): RunSettings {
    return this.#providers.settingsOf(job.job_id, JSON.parse(job.options) as Partial<JobOptions>);
  }

  /**
   * Applies `resume`'s flags to the job's stored settings and stores the result, so this run and
   * every later one (a worker, the API's resume) use it. Returns what changed (`concurrency 4 → 2`).
   */
  async changeRunSettings(jobId: string, flags: ConfigOverrides, keys: ProviderKeys): Promise<string[]> {
    const options = JSON.parse((await this.#job(jobId)).options) as JobOptions;
    const { settings, changes } = applyResumeFlags(this.#providers.settingsOf(jobId, options), flags, keys);
    if (!changes.length) return changes;
    await this.store.setJobOptions(jobId, { ...options, run: settings });
    await this.store.recordEvent(jobId, { kind: 'settings', message: `resumed with ${changes.join(', ')}` });
    return changes;
  }

  /** Throws (a missing key, no URL) unless new jobs' endpoints can be called: a server checks at start. */
  async assertDefaultsRunnable(): Promise<void> {
    await this.#providers.pool(this.#providers.defaults);
  }

  /** Throws (a missing key, no URL) unless the job's endpoints can be called from this process. */
  async assertRunnable(jobId: string): Promise<void> {
    await this.#providers.pool(this.runSettings(await this.#job(jobId)));
  }

  async #partsFor(settings: RunSettings): Promise<JobRunParts> {
    const config = { ...this.config, llm: settings.llm };
    const provider = await this.#providers.pool(settings);
    return { store: this.store, config, provider, events: this.events, prompts: new PromptStyle(settings.prompts), dispatchers: this.#o.dispatchers, endpoints: settings.endpoints, controls: this.#o.controls };
  }

  async #job(jobId: string): Promise<JobRow> {
    const job = await this.store.getJob(jobId);
    if (!job) throw new FanyiError('JOB_NOT_FOUND', `no job ${jobId} in this database (see fanyi status)`);
    return job;
  }
}

function stillAnalyzing(jobId: string): FanyiError {
  return new FanyiError('USAGE', `job ${jobId} is still being analysed on the ingestion lane; try again once its status is running (or cancel it)`);
}

/** What a job stored `analyzing` keeps in its options until its analysis replaces them with JobOptions. */
interface PendingJobOptions {
  /** The submit's input but the file (the job's source reference), the id, tenant, name and output path (job columns). */
  pending: Omit<TranslateInput, PendingColumns> | PendingMap;
  run: RunSettings;
  /** The submitter's splitting and packing settings: the job is split as that server would have. */
  config: Pick<FanyiConfig, 'translation' | 'data_processing'>;
  provider: string;
  priority?: TranslateInput['priority'];
}

/** The input fields a pending job keeps as job columns rather than in its options. */
type PendingColumns = 'file' | 'jobId' | 'tenant' | 'sourceName' | 'outPath';

/** What any pending job is stored with: its stored file and where its output goes. */
type PendingCommon = Pick<TranslateInput, PendingColumns | 'reviewPath' | 'lane' | 'priority'> & { sourceFile: string };

/** A map job to store pending (the API): its class table as data, since a classifier function cannot be stored. */
export type PendingMapInput = Omit<MapJobInput, 'classify'> & { sourceFile: string; classTable?: ClassTable };

type PendingMap = Omit<PendingMapInput, PendingColumns | 'sourceFile'>;

/** The job columns a pending job's input is rebuilt from. */
function pendingColumns(job: JobRow): Pick<TranslateInput, 'jobId' | 'tenant' | 'sourceName' | 'outPath'> {
  return { jobId: job.job_id, tenant: job.tenant ?? undefined, sourceName: job.source_name, outPath: job.out_path ?? undefined };
}

function newJobId(): string {
  const stamp = new Date().toISOString().slice(2, 10).replace(/-/g, '');
  return `job_${stamp}_${createHash('sha1').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 6)}`;
}

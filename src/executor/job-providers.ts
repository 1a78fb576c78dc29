/**
 * The endpoint pools jobs run on, built from each job's stored run settings with this process's
 * keys (presets.ts createProvider). Jobs with the same endpoints share one pool, and so one budget.
 */
import type { RunSettings } from '../config/run-settings.ts';
import { FanyiError } from '../errors.ts';
import type { EndpointPool } from '../llm/endpoints/endpoint-pool.ts';

/** What a job stored of its run: the settings, or (jobs stored before they were kept) only its model. */
export interface StoredRun {
  run?: RunSettings;
  model?: string;
}

export class JobProviders {
  /** What a new job is run with (stored with it). */
  readonly defaults: RunSettings;
  readonly #build: (settings: RunSettings) => Promise<EndpointPool>;
  readonly #pools = new Map<string, Promise<EndpointPool>>();

  constructor(defaults: RunSettings, build: (settings: RunSettings) => Promise<EndpointPool>) {
    this.defaults = defaults;
    this.#build = build;
  }

  /**
   * How a job runs: its stored settings. Jobs stored before settings were kept run with this
   * process's, except that a pseudo job stays pseudo and a real one never becomes pseudo.
   */
  settingsOf(jobId: string, stored: StoredRun): RunSettings {
    if (stored.run) return stored.run;
    const defaults = this.defaults;
    if (stored.model === 'pseudo') return { ...defaults, provider: 'pseudo', endpoints: [{ ...defaults.endpoints[0], name: 'default', model: 'pseudo', needsKey: false }] };
    if (defaults.provider === 'pseudo') {
      throw new FanyiError('USAGE', `job ${jobId} was stored before fanyi kept how jobs run, and was run with model ${stored.model}: resume it with the flags it was started with (--base-url, --api-key, --model)`);
    }
    return defaults;
  }

  /** The pool for these settings; throws (a missing key, no URL) when this process cannot call them. */
  pool(settings: RunSettings): Promise<EndpointPool> {
    const { provider, endpoints, llm } = settings;
    const key = JSON.stringify({ provider, endpoints, failover: llm.failover, temperature: llm.temperature, logprobs: llm.logprobs });
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = this.#build(settings);
      this.#pools.set(key, pool);
      // A failed build (a missing key) is not cached: the next run may have the key.
      pool.catch(() => this.#pools.delete(key));
    }
    return pool;
  }
}

/**
 * The library surface: what an embedding program (or the future API server) needs to run
 * translation jobs. The CLI in src/cli is built on exactly this.
 */
export { Engine, analyseFile, readLimits } from './engine.ts';
export type { EngineOptions, ExportOptions, JobOptions, JobOutcome, MapJobInput, TranslateInput } from './engine.ts';
export type { MapInput, MapSpec } from './map/map-spec.ts';
export type { RowClass, RowClassifier } from './map/plan-map.ts';
export type { WrittenOutput } from './review/job-output.ts';
export { createEmbeddedEngine, createProvider } from './presets.ts';
export type { EmbeddedEngineOptions } from './presets.ts';
export type { LimitedEndpoint, LimiterFactory, RateLimiter } from './limits/rate-limiter.ts';
export { DEFAULT_LANE_POLICIES } from './limits/lane-policy.ts';
export type { LanePolicies, LanePolicy } from './limits/lane-policy.ts';
export { DEFAULT_LANE, SEED_LANES } from './queue/queue-lanes.ts';
export { loadConfig } from './config/load-config.ts';
export type { ConfigOverrides, LoadedConfig, ProviderSettings } from './config/load-config.ts';
export type { FanyiConfig } from './config/config-schema.ts';
export { ERROR_CODES, FanyiError, isFanyiError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { EngineEvents } from './monitor/engine-events.ts';
export type { EngineEventMap } from './monitor/engine-events.ts';
export type { JobStore, JobRow, StatusCounts } from './store/job-store.ts';
export type { ChatMessage, LlmProvider, PreparedPayload, ProviderReply, ReplySchema, TranslateRequest } from './llm/provider.ts';
export { ProviderError } from './llm/provider.ts';

// sesame: run tool scripts written by a language model with least authority.

export { builtinPlugins } from '../plugins/index.ts';
export type { AuditSink } from './audit/sinks.ts';
export { callbackSink, jsonlSink, memorySink } from './audit/sinks.ts';
export { explainPolicy } from './policy/explain.ts';
export type { LoadedPolicy } from './policy/load.ts';
export { loadPolicy, PolicyError, parsePolicy } from './policy/load.ts';
export type {
  AuditRecord,
  CallRecord,
  ErrorCode,
  IntentRecord,
  Limits,
  RunEndRecord,
  RunError,
  RunStartRecord,
} from './protocol.ts';
export { ERROR_CODES, EXIT_CODES } from './protocol.ts';
export type { RunOptions, RunResult, Runtime, RuntimeOptions } from './supervisor/runtime.ts';
export { createRuntime } from './supervisor/runtime.ts';

// Streaming log template miner: public API.
export { TemplateMiner, type MinedMessage, type ClusterInfo, type MinerStats } from './miner.js';
export { DEFAULT_OPTIONS, resolveOptions, type TemplateMinerOptions, type ResolvedOptions } from './options.js';
export { BUILTIN_MASKS, valueClass, type BuiltinMask, type UserMask } from './masking.js';
export { STATE_FORMAT, STATE_VERSION, validateSnapshot, type MinerSnapshot, type ClusterState, type MinerCounters } from './state.js';
export { templateId, TEMPLATE_ID_LENGTH } from './ids.js';
export { labelMessages, LineLabels, type LabelledMessage, type ResolvedLabels } from './label.js';

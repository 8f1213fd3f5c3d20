export { CountVectorIndex, type CountVectorState } from './count-vectors.js';
export { SessionCsvError, parseSessionCsv, readSessionCsv, type SessionRow } from './session-csv.js';
export {
  DEFAULT_SESSION_DETECTOR_CONFIG, SESSION_DETECTOR, SessionDetector, type OpenSessionState, type SessionDetectorConfig, type SessionEvent,
} from './session-detector.js';
export {
  FROZEN_SESSION_SETTINGS, SessionModel, type SessionModelSettings, type SessionReason, type SessionRuleSettings, type SessionVerdict,
} from './session-model.js';
export {
  SESSION_CHECKPOINT_NAMESPACE, SESSION_MINER_FILE, SessionBank, loadSessionModels, type LoadedSessionModels, type SessionBankOptions,
} from './session-bank.js';

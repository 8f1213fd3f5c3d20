export { correlateStage, loadTopologyFile } from './stage.js';
export { IncidentGrouper, DEFAULT_GROUPER_CONFIG } from './incident-grouper.js';
export { rankRootCauses } from './root-cause-ranker.js';
export { TopologyGraph } from './topology-graph.js';

// The contracts package: the only module every stage imports.
export * from './common.js';
export * from './events.js';
export * from './topics.js';
export * from './validate.js';
export * from './ids.js';
export * from './notifications.js';

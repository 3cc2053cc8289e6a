/**
 * Physics for gridbid agents: pure functions of state, action and duration.
 * Agent machines import from here; modules inside this folder import each other directly.
 */
export * from './appliance.ts';
export * from './battery.ts';
export * from './ev.ts';
export * from './evSessions.ts';
export * from './loadProfile.ts';
export * from './localTime.ts';
export * from './outdoor.ts';
export * from './pv.ts';
export * from './thermal.ts';

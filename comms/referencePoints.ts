/**
 * The five reference points of the ITU-T Focus Group on Smart Grid overview: the
 * interfaces between the grid, smart-metering, customer and service-provider
 * domains and the communication network. Every message on the communication plane
 * crosses exactly one of them, which is what a link carries and what the privacy
 * and security rules are stated against.
 */
export const REFERENCE_POINTS = ['RP1', 'RP2', 'RP3', 'RP4', 'RP5'] as const;
export type ReferencePoint = (typeof REFERENCE_POINTS)[number];

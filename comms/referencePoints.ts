/**
 * The five reference points of the ITU-T Focus Group on Smart Grid overview: the
 * interfaces between the grid, smart-metering, customer and service-provider
 * domains and the communication network. Every message on the communication plane
 * crosses exactly one of them, which is what a link carries and what the privacy
 * and security rules are stated against.
 */
export const REFERENCE_POINTS = ['RP1', 'RP2', 'RP3', 'RP4', 'RP5'] as const;
export type ReferencePoint = (typeof REFERENCE_POINTS)[number];

export const REFERENCE_POINT_DESCRIPTIONS: Readonly<Record<ReferencePoint, string>> = {
  RP1: 'grid domain ↔ network (SCADA, distribution operator commands and telemetry)',
  RP2: 'smart metering ↔ network (meter reads to the head-end and MDMS)',
  RP3: 'customer ↔ network (through an energy-services gateway or the public internet)',
  RP4: 'service provider ↔ network (market operator, retailer, aggregator)',
  RP5: 'meter ↔ customer premises (home-area network)',
};

export const isReferencePoint = (s: string): s is ReferencePoint => (REFERENCE_POINTS as readonly string[]).includes(s);

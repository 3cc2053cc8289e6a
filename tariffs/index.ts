/**
 * Retail tariffs: tariffs as data (`types.ts`, `schema.ts`), bills (`bill.ts`), the
 * retail price signal customers see (`signal.ts`) and customers' tariff choice
 * (`choice.ts`). The public entry point for code outside `tariffs/`.
 */
export type * from './types.ts';
export { TariffError, WEEKDAYS } from './types.ts';
export type { Bill, BillLine, DemandLine, EnergyLine, ExportLine, FixedLine } from './bill.ts';
export { billCriticalPeak, billDemandCharge, billFlat, billRealTime, billTimeOfUse, computeBill } from './bill.ts';
export { demandChargePerKwAt, exportPriceAt, retailPriceAt, retailPriceForecast } from './signal.ts';
export type { EventWindow } from './events.ts';
export { announcedEvents, eventWindow, eventsOf, isEventAnnounced, resolveScheduledEvents } from './events.ts';
export type { ChoiceParameters, ChoiceProbability, TariffChoice, TariffOffer } from './choice.ts';
export { chooseTariff, lambdaFromPowerTacRationality, powerTacInertia, tariffChoiceProbabilities } from './choice.ts';
export type { ParseResult } from './schema.ts';
export { energyComponentSchema, exportCompensationSchema, parseTariff, parseTariffs, tariffSchema, tariffsSchema, timeRuleSchema, toInputIssues } from './schema.ts';
export { energyKwh, Money, perKwhFromPerMwh, rate, roundToCent } from '../core/money.ts';
export { meterIntervalIssues } from './compat.ts';

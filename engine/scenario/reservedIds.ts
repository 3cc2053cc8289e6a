/**
 * Party ids the engine itself uses, which no scenario agent or operator may take: a clash
 * would merge two parties into one — an agent called `market` would own the final
 * settlement's reconciliation account and be granted the market's view of the meters; one
 * called `mdms` would receive every meter read on the plane; one called `meter:home-1` would
 * be home-1's meter. The scenario loader reports each as a located error (engine/scenario/load.ts).
 */

/** Exact ids the engine's own parties use, and what each is. */
export const RESERVED_PARTY_IDS: Readonly<Record<string, string>> = Object.freeze({
  // RECONCILIATION_OWNER (engine/settlementRun.ts), the comms plane's market endpoint, the issuer of the market's events.
  market: "the market: the clearing's endpoint on the communication plane and the owner of the final settlement's reconciliation account",
  // The comms plane's endpoint for meter reads (engine/interval/comms.ts).
  mdms: 'the meter data management system, where every meter read is sent',
  // The losses stage on a LinDistFlow feeder (engine/interval/losses.ts): its buyer and its seller, rows of agents.csv.
  'dso-losses': "the distribution operator's losses account, which buys a radial feeder's losses",
  transmission: 'the grid behind the substation, which delivers a radial feeder\'s losses',
});

/** Id prefixes the engine's own parties use. */
export const RESERVED_ID_PREFIXES: Readonly<Record<string, string>> = Object.freeze({
  // meterIdFor (metering/meter.ts).
  'meter:': "a site's meter (meter:<agent id>)",
});

/** Why `id` may not be a scenario party's id, or undefined when it may. `prefixOnly`: `id` is an id prefix (`<prefix>-<n>` ids are made from it). */
export function reservedIdProblem(id: string, prefixOnly = false): string | undefined {
  if (!prefixOnly && Object.hasOwn(RESERVED_PARTY_IDS, id)) return `'${id}' is reserved for ${RESERVED_PARTY_IDS[id]}; expected another id`;
  for (const [prefix, what] of Object.entries(RESERVED_ID_PREFIXES)) {
    if (id.startsWith(prefix)) return `ids starting '${prefix}' are reserved for ${what}; expected an id that does not start with '${prefix}'`;
  }
  return undefined;
}

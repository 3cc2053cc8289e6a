/**
 * One catalogue of the key figures a run reports (summary.json `kpis`, summary.csv
 * columns, the reports' charts and tables): for each, a name a person reads, its unit
 * and what it means. Reports title charts and label columns from here, never with a
 * raw path such as `retail.averageBillByKind.home`.
 *
 * Paths are summary.json's, dot-separated; `*` stands for one segment that names a
 * kind, a tariff, an aggregator, a retailer or a rejection code, and `{1}` in the name
 * takes it (`{2}` the second `*`). A path nobody catalogued (a KPI added since) gets a
 * name made from its words and a unit only where its suffix states one (`…Kwh`, `…Pct`);
 * otherwise none, rather than a guessed one. test/output/kpiCatalogue.spec.ts runs every
 * example scenario and fails on any KPI path of theirs that is not catalogued here.
 */
export interface KpiInfo {
  /** Short name, capitalised, for titles and column heads. */
  readonly name: string;
  /**
   * Unit as printed: 'kW', 'kWh', 'kvarh', 'currency', 'currency/MWh', '%', 'p.u.', 'min', 'min per customer', 'interruptions per customer', 'count', '°C·h', 'yes/no',
   * 'time (UTC)'; '' for none (a name or a text: the title is the name alone). A list's unit is 'count':
   * summary.csv has its length; the run report shows its items.
   */
  readonly unit: string;
  /** One sentence: what it measures. */
  readonly meaning: string;
}

type Entry = readonly [path: string, name: string, unit: string, meaning: string];

const ENTRIES: readonly Entry[] = [
  ['welfare', 'Welfare', 'currency', 'Buyers’ value minus sellers’ cost of all cleared energy, over the run.'],
  // The real-time stage's money, summed per party and interval as the other stages (dayAhead.*, imbalance.*) are.
  ['totalCost', 'Paid by buyers in real time', 'currency', 'What the parties facing the market paid in the real-time stage over the run (exact decimal): per interval, each party’s real-time position (less its day-ahead position, with a day-ahead stage) at its price, where that is a payment; the day-ahead and imbalance stages are apart.'],
  ['sellersRevenue', 'Received by sellers in real time', 'currency', 'What the parties facing the market received in the real-time stage over the run: per interval, each party’s real-time position (less its day-ahead position) at its price, where that is a receipt.'],
  ['merchandisingSurplus', 'Real-time rent', 'currency', 'Paid by buyers minus received by sellers in real time: the congestion rent under uniform (nodal) pricing, the spread under pay-as-bid.'],
  ['dayAhead.buyersPay', 'Paid by buyers day-ahead', 'currency', 'What the parties facing the market paid for their day-ahead positions (q_DA × p_DA, per party and interval, where a payment).'],
  ['dayAhead.sellersReceive', 'Received by sellers day-ahead', 'currency', 'What the parties facing the market received for their day-ahead positions.'],
  ['dayAhead.rent', 'Day-ahead rent', 'currency', 'Paid minus received in the day-ahead stage: its congestion rent.'],
  ['dayAhead.failedDayCount', 'Day-ahead auctions not cleared', 'count', 'Delivery days whose day-ahead auction was infeasible, unbounded or failed: their intervals had no day-ahead positions (only where there were any; empty in summary.csv when every auction cleared).'],
  ['dayAhead.failedDays', 'Day-ahead auctions not cleared, listed', 'count', 'Each delivery day whose day-ahead auction did not clear: its local date, first interval, interval count, status and the clearing’s message.'],
  ['imbalance.buyersPay', 'Paid for imbalances', 'currency', 'What the parties facing the market paid for (actual − real-time position) at the imbalance price, per party and interval, where a payment.'],
  ['imbalance.sellersReceive', 'Received for imbalances', 'currency', 'What the parties facing the market received for their deviations at the imbalance price (generators’ regulation included).'],
  ['imbalance.rent', 'Imbalance rent', 'currency', 'Paid minus received for imbalances: the re-dispatch’s congestion rent.'],
  ['losses.buyer', 'Buyer of the feeder losses', '', 'The party that buys a LinDistFlow feeder’s AC losses each interval: the distribution operator’s losses account (a reserved id).'],
  ['losses.seller', 'Seller of the feeder losses', '', 'The party that delivers them: the grid behind the substation (a reserved id).'],
  ['losses.kwh', 'Feeder losses bought', 'kWh', 'The AC losses the distribution operator bought over the run, in whole quanta per interval.'],
  ['losses.buyersPay', 'Paid for the feeder losses', 'currency', 'What the distribution operator paid for the losses: settled losses × the substation’s real-time price (where the market formed none, the stand-in of losses.unformedPriceIntervals), per interval, exact.'],
  ['losses.sellersReceive', 'Received for the feeder losses', 'currency', 'What the grid behind the substation received for delivering them.'],
  ['losses.rent', 'Losses stage rent', 'currency', 'Paid minus received in the losses stage: 0 (one buyer, one seller, one price); the books check it every interval.'],
  ['losses.unsettledIntervals', 'Intervals whose losses were not settled', 'count', 'Intervals whose AC check did not converge: the losses are unknown (the books are open there).'],
  ['losses.unformedPriceIntervals', 'Intervals whose losses settled at a stand-in price', 'count', 'Intervals where the market formed no price at the substation (nothing traded) and the losses settled at what the next kW would have cost there: the lowest offer in the book, or the price cap where nobody offered (agents.csv state settled-at-lowest-offer / settled-at-price-cap).'],
  // The sites' meters (engine/interval/meter.ts), not the cleared demand: a retailer buys its customers' forecast and
  // anyone may deviate from a position, and what a demand-response study compares with the baseline is what the sites used.
  ['demandKwh', 'Energy consumed', 'kWh', 'Σ over the sites’ meters of gross consumption over the run: loads (also what a home’s own PV covers), charging of EVs and batteries, a generator’s intake; not the cleared demand.'],
  ['supplyKwh', 'Energy generated', 'kWh', 'Σ over the sites’ meters of gross generation over the run: plants, PV (also what its home uses itself), battery and V2G discharge; not the cleared supply.'],
  // 'Consumption', as demandKwh: the report's Load chart draws the cleared demand, which this is not.
  ['peakKw', 'Peak consumption', 'kW', 'Highest Σ of the sites’ metered gross consumption in an interval (kW averaged over it); not the cleared demand.'],
  ['peakAt', 'Time of peak consumption', 'time (UTC)', 'Start of the interval with the highest metered gross consumption.'],
  ['baselinePeakKw', 'Peak without flexibility', 'kW', 'Highest demand of the no-flexibility baseline.'],
  ['peakReductionKw', 'Peak reduction', 'kW', 'Baseline peak minus the metered peak consumption (peakKw).'],
  ['peakReductionPct', 'Peak reduction', '%', 'Peak reduction as a share of the baseline peak.'],
  ['baselineKwh', 'Baseline energy', 'kWh', 'Energy the agents would have used without any price response.'],
  ['shiftedKwh', 'Energy shifted', 'kWh', 'Energy moved away from intervals where the agents used less than their baseline.'],
  ['reboundKwh', 'Rebound energy', 'kWh', 'Energy used above the baseline in other intervals (the shifted energy coming back).'],
  ['averagePriceMwh', 'Average price', 'currency/MWh', 'Average clearing price at the first bus, weighted by the metered consumption (demandKwh) of each interval.'],
  ['minPriceMwh', 'Lowest price', 'currency/MWh', 'Lowest clearing price at any bus.'],
  ['maxPriceMwh', 'Highest price', 'currency/MWh', 'Highest clearing price at any bus.'],
  ['byKind.*.count', 'Number of {1} agents', 'count', 'Agents of this kind.'],
  ['byKind.*.energyKwh', 'Net energy of {1} agents', 'kWh', 'Metered consumption minus generation of agents of this kind over the run.'],
  ['byKind.*.cost', 'Net cost of {1} agents', 'currency', 'Paid minus received by agents of this kind over every stage: in the market, or to their aggregator (with fees) or retailer.'],
  ['byKind.*.unservedKwh', 'Unserved energy of {1} agents', 'kWh', 'Energy agents of this kind wanted and did not get.'],
  ['evEnergyUnmetAtDepartureKwh', 'EV energy unmet at departure', 'kWh', 'Charge the cars lacked when they left, summed over departures.'],
  ['comfortViolationDegreeHours', 'Comfort violation', '°C·h', 'Degrees outside the comfort band times hours, over homes and buildings.'],
  ['lineLimitViolations', 'Line-limit violations', 'count', 'Branch-intervals with a flow above the branch limit.'],
  ['overloadIntervals', 'Overloaded intervals', 'count', 'Intervals in which some branch was over its limit.'],
  ['operations.overloadIntervals', 'Overloaded intervals (operator)', 'count', 'Intervals over a limit with the operators at work.'],
  ['operations.overloadIntervalsWithoutOperator', 'Overloaded intervals without operator', 'count', 'Intervals over a limit in the same run without operators.'],
  ['operations.overloadIntervalsAvoided', 'Overloaded intervals avoided', 'count', 'Overloaded intervals without operators minus with them.'],
  ['operations.commandedEnergyCost', 'Cost of commanded energy', 'currency', 'What the operators paid for the energy they commanded.'],
  ['operations.reliability.customers', 'Customers', 'count', 'Agents other than generators on the feeder (the SAIFI and SAIDI denominator).'],
  ['operations.reliability.customersInterrupted', 'Customers interrupted', 'count', 'Customers cut off from the substation at least once.'],
  ['operations.reliability.customerInterruptions', 'Customer interruptions', 'count', 'Times a customer lost supply (again only after it came back).'],
  ['operations.reliability.customerMinutesInterrupted', 'Customer-minutes interrupted', 'min', 'Σ over customers of the minutes they were without supply.'],
  ['operations.reliability.saifi', 'SAIFI', 'interruptions per customer', 'Customer interruptions per customer over the run.'],
  ['operations.reliability.saidiMinutes', 'SAIDI', 'min per customer', 'Minutes without supply per customer over the run.'],
  ['operations.reliability.unservedKwh', 'Energy not supplied', 'kWh', 'What the cut-off customers would have consumed (their no-flexibility baseline) while without supply.'],
  ['feeder.lossesKwh', 'Feeder losses', 'kWh', 'AC series losses of what flowed (the metered withdrawals), over the run, as settled: each interval in whole quanta of the market’s power quantum (the losses stage: the cleared dispatch’s losses, and what flowed beyond them).'],
  ['feeder.lossesBeyondScheduleKwh', 'Losses beyond the schedule', 'kWh', 'Of the feeder losses, what flowed beyond the cleared dispatch’s losses (negative: below them), settled at the substation’s imbalance price: what operators’ commands and the sites’ deviations moved.'],
  ['feeder.lossesCost', 'Cost of the feeder losses', 'currency', "What the distribution operator paid for the feeder's AC losses each interval, the schedule's at the substation's price (the DLMP's energy part) and what flowed beyond them at its imbalance price: the losses stage's money, exactly (= losses.buyersPay)."],
  ['feeder.lossesUnsettledIntervals', 'Intervals whose losses were not settled', 'count', 'Intervals whose AC check did not converge, or whose losses had no substation price: the losses stage is open there and the books say so.'],
  ['feeder.acVoltageViolationIntervals', 'Intervals with a voltage out of band', 'count', 'Intervals in which the AC voltage of some bus left its band (limits the linear model missed); only intervals whose AC check converged (the others are in AC sweeps not converged: not assessed).'],
  ['feeder.acVoltageViolationBusIntervals', 'Bus-intervals with a voltage out of band', 'count', 'Buses × intervals whose AC voltage left its band (converged intervals only).'],
  ['feeder.acBranchViolationIntervals', 'Intervals with a branch over its limit', 'count', 'Intervals in which the AC flow of some branch, losses included, went above its limit (|P|, or |S| under lineLimit apparent; limits the linear model missed); converged intervals only.'],
  ['feeder.acBranchViolationBranchIntervals', 'Branch-intervals over the limit', 'count', 'Branches × intervals whose AC flow went above their limit (converged intervals only).'],
  ['feeder.acSweepsNotConverged', 'AC sweeps not converged', 'count', 'Intervals whose AC check did not converge: no AC voltages, no violations counted (not assessed).'],
  ['retail.averageBillByKind.*', 'Average bill, {1}', 'currency', 'Bills of customers of this kind over the run, divided by their number.'],
  ['retail.tariffSwitches', 'Tariff switches', 'count', 'Times a customer moved to another tariff.'],
  ['retail.switchesUnderNoticeAtEnd', 'Switches under notice at the end', 'count', 'Tariff switches chosen but still serving their notice (tariffChoice.noticeDays) when the run ended: they never took effect.'],
  ['retail.retailerSwitches', 'Retailer switches', 'count', 'Times a customer moved to another retailer (tariffChoice.among: every-retailer).'],
  ['retail.customersByRetailer.*', 'Customers of retailer {1} by day', 'count', 'The customers this retailer billed on each billing day of the run, in day order.'],
  ['retail.customersOnLastDay.*', 'Customers of retailer {1} on the last day', 'count', 'The customers this retailer billed on the run’s last billing day (its market share at the end; a batch’s summary.csv has it as a column).'],
  ['retail.billsByRetailer.*', 'Bills of retailer {1}', 'currency', 'All bills this retailer issued over the run.'],
  ['retail.bills.*.customers', 'Customers on tariff {1}', 'count', 'Customers billed under this tariff.'],
  ['retail.bills.*.total', 'Bills on tariff {1}', 'currency', 'All bills under this tariff over the run.'],
  ['retail.bills.*.averagePerCustomer', 'Average bill on tariff {1}', 'currency', 'Bills under this tariff divided by its customers.'],
  ['retailers.*.revenue', 'Revenue of retailer {1}', 'currency', 'Bills the retailer issued.'],
  ['retailers.*.marketCost', 'Market cost of retailer {1}', 'currency', 'What the retailer paid in the market for its customers’ forecast load.'],
  ['retailers.*.imbalanceCost', 'Imbalance cost of retailer {1}', 'currency', 'What the retailer paid at the imbalance price for its customers’ deviation from what it bought.'],
  ['retailers.*.margin', 'Margin of retailer {1}', 'currency', 'Bills minus market cost minus imbalance cost.'],
  ['imbalance.deviationKwh', 'Energy deviated from positions', 'kWh', 'Half of Σ |actual − position| over the parties facing the market, per interval, summed: what re-dispatch moved either way.'],
  ['imbalance.redispatchedIntervals', 'Re-dispatched intervals', 'count', 'Intervals in which something deviated from its position and the real-time market re-dispatched.'],
  ['imbalance.unservedKwh', 'Unserved in re-dispatch', 'kWh', 'Withdrawal that regulation could not cover.'],
  ['imbalance.spilledKwh', 'Spilled in re-dispatch', 'kWh', 'Injection that nobody could take (after curtailment: what no site could curtail).'],
  ['imbalance.shedKwh', 'Shed in re-dispatch', 'kWh', 'Consumption the operator shed at the consuming sites because nothing could cover it: their free load first (a home’s base load, a building’s plug load), then, when that is not enough, their devices (HVAC, lighting, appliance runs, charging), pro rata at each bus; the sites count it as unserved.'],
  ['imbalance.curtailedKwh', 'Curtailed in re-dispatch', 'kWh', 'Export the operator curtailed at the injecting sites (PV, pro rata to export) because nobody could take it.'],
  ['retailers.*.imbalanceKwh', 'Imbalance of retailer {1}', 'kWh', 'Customers’ consumption minus what the retailer bought (+ short).'],
  ['aggregators.*.marketPayment', 'Market payment of aggregator {1}', 'currency', 'What the aggregator paid in the market.'],
  ['aggregators.*.memberPayments', 'Member payments of aggregator {1}', 'currency', 'What its members paid the aggregator.'],
  ['aggregators.*.feeIncome', 'Fee income of aggregator {1}', 'currency', 'The aggregator’s fees under its contract.'],
  ['clearingProblems', 'Clearing problems listed', 'count', 'The clearing problems summary.json lists in full: the first 1,000 (clearingProblemCount counts them all; intervals.csv has every interval’s status).'],
  ['clearingProblemCount', 'Clearing problems', 'count', 'Intervals whose clearing was infeasible, unbounded or failed (the run report lists the first of them).'],
  ['rejectedBids.*', 'Rejected bids: {1}', 'count', 'Bids the market refused for this reason.'],
  ['agentFaults', 'Agent and strategy faults listed', 'count', 'The faults summary.json lists in full: the first 1,000 (agentFaultCount counts them all; events.csv has every one).'],
  ['agentFaultCount', 'Agent and strategy faults', 'count', 'Faults: intervals in which a strategy threw or answered with an invalid curve (the agent bid its default), and agents that crashed (see isolated agents); the run report lists the first of them.'],
  ['isolatedAgents', 'Agents isolated', 'count', 'Agents that crashed (threw while bidding, answering a command, taking an award or running on their own control) and were isolated: from then on they bid nothing and take no commands. A site whose bidding code crashed keeps consuming on its own control (isolation.ownControlSites); one the engine can no longer model is left out, its load unknown (isolation.leftOutSites). Compare runs with care when this is not 0.'],
  ['isolation.ownControlSites', 'Sites on their own control after a crash', 'count', 'Sites whose bidding code crashed: their devices run on their own control for the rest of the run (as a site whose bid missed the gate), metered, their deviation from a zero position settled at the imbalance price; the operators plan on what they draw but cannot command them. Present when isolatedAgents is not 0.'],
  ['isolation.leftOutSites', 'Sites left out after a crash', 'count', 'Sites whose code threw while taking an award, answering a command or running on their own control: the engine can no longer model them, so from then on their meters read zero and their real load is unknown and missing from every figure (no estimate is made). Present when isolatedAgents is not 0.'],
  ['demandResponsePaid', 'Demand response paid', 'currency', 'What the operators paid the agents for demand response over the run, net of penalties.'],
  ['aggregators.*.ownPositionKwh', 'Own position of aggregator {1}', 'kWh', 'Energy the aggregator held beyond its members’ shares over the run (+ bought).'],
  ['aggregators.*.ownPositionCost', 'Cost of own position of aggregator {1}', 'currency', 'What the energy it held beyond its members’ shares cost it.'],
  ['aggregators.*.payAsBidSpread', 'Pay-as-bid spread borne by aggregator {1}', 'currency', 'Under pay-as-bid: what its bids paid the market (each bid’s self-trade netted) beyond its net award at the bus price, which its members are charged. Market payment + fee income = member payments + own-position cost + this. Present only under pay-as-bid.'],
  ['retailers.*.revenueAccruedEnergy', 'Energy charges accrued by retailer {1}', 'currency', 'Its customers’ energy charges accrued interval by interval from their meters (the bills, revenue, add the tariffs’ other charges).'],
  ['retail.bills.*.byKind.*.customers', 'Customers on tariff {1}, {2}', 'count', 'Customers of this kind billed under this tariff.'],
  ['retail.bills.*.byKind.*.averagePerCustomer', 'Average bill on tariff {1}, {2}', 'currency', 'Bills of customers of this kind under this tariff, divided by their number.'],
  // An operator's demand response (agents/operations/gridRoom.ts DrTotals), per operator id.
  ['operations.demandResponse.*.requestedKwh', 'DR needed by {1}', 'kWh', 'Σ excess over the limit × (1 − headroom) on the operator’s branches × Δt: the energy it needed removed.'],
  ['operations.demandResponse.*.shortfallKwh', 'DR shortfall of {1}', 'kWh', 'Σ excess over the limit the operator could not remove × Δt.'],
  ['operations.demandResponse.*.meteredOverKwh', 'Metered overload on branches of {1}', 'kWh', 'Σ flow the operator’s branches physically carried over their limits × Δt, whatever the dispatch expected (commands late or not in force, agents off their schedule); OVERLOAD_METERED rows in events.csv.'],
  ['operations.demandResponse.*.askedKwh', 'DR asked by {1}', 'kWh', 'Σ |requested change| × Δt over its commands: every agent is asked for the whole remaining excess, so asks overlap.'],
  ['operations.demandResponse.*.committedKwh', 'DR committed to {1}', 'kWh', 'Σ committed change × Δt over the opted-in commands.'],
  ['operations.demandResponse.*.deliveredKwh', 'DR delivered to {1}', 'kWh', 'Σ (baseline − actual) × Δt over the opted-in commands: measured, may exceed the commitment (baseline error).'],
  ['operations.demandResponse.*.creditedKwh', 'DR credited by {1}', 'kWh', 'Σ min(delivered, committed) × Δt: what is paid (no credit beyond the commitment).'],
  ['operations.demandResponse.*.unmeasuredKwh', 'DR not measurable, {1}', 'kWh', 'Σ committed × Δt where there was no baseline to measure against (not settled).'],
  ['operations.demandResponse.*.responses.*', 'Commands of {1} answered {2}', 'count', 'The operator’s commands by the agent’s answer (opt-in, opt-out, rejected; lost on the way; failed: the agent threw).'],
  // With `prePosition` only (agents/operations/prePosition.ts): its CHARGE_STATE_SETPOINTs ahead of forecast overloads.
  ['operations.demandResponse.*.prePosition.setpoints', 'Pre-positioning setpoints of {1}', 'count', 'CHARGE_STATE_SETPOINTs the operator sent batteries (and, with cars, V2G cars) ahead of forecast overloads (prePosition): one per device and event, a car asked again once it plugged in counted once.'],
  ['operations.demandResponse.*.prePosition.responses.*', 'Pre-positioning setpoints of {1} answered {2}', 'count', 'Its CHARGE_STATE_SETPOINTs by the device’s last answer (opt-in, opt-out, rejected; lost on the way; failed: the device threw; with cars, away: a car not plugged in when asked that did not answer again before the event); they add up to the setpoints.'],
  ['operations.demandResponse.*.prePosition.shiftedKwh', 'Energy pre-positioned for {1}', 'kWh', 'Σ cell energy the opted-in batteries and cars committed to move before the events (charged up to a floor, or discharged down to a ceiling), as they answered.'],
  ['operations.demandResponse.*.payments', 'DR payments of {1}', 'currency', 'What the operator paid the opted-in agents for what they delivered.'],
  ['operations.demandResponse.*.penalties', 'DR penalties of {1}', 'currency', 'What the operator charged opted-in agents for committed energy they did not deliver.'],
  ['operations.reliability.restorations', 'Restorations after faults', 'count', 'Faults the self-healing operator isolated: the branch, when, when supply came back over which ties, buses left unserved (the run report lists them).'],
  // The feeder's AC check (output/feederOutputs.ts).
  ['feeder.worstVoltagePu.value', 'Lowest voltage', 'p.u.', 'Lowest AC voltage magnitude of any bus in any interval; empty (null) when the AC check did not converge in some interval (acSweepsNotConverged: a collapse has no voltage), its time then that interval’s.'],
  ['feeder.worstVoltagePu.bus', 'Bus of the lowest voltage', '', 'The bus where the lowest voltage occurred (empty when unknown).'],
  ['feeder.worstVoltagePu.at', 'Time of the lowest voltage', 'time (UTC)', 'Start of the interval of the lowest voltage; when it is unknown, of the first interval whose AC check did not converge.'],
  ['feeder.highestVoltagePu.value', 'Highest voltage', 'p.u.', 'Highest AC voltage magnitude of any bus in any interval; empty (null) when the AC check did not converge in some interval, as the lowest.'],
  ['feeder.highestVoltagePu.bus', 'Bus of the highest voltage', '', 'The bus where the highest voltage occurred.'],
  ['feeder.highestVoltagePu.at', 'Time of the highest voltage', 'time (UTC)', 'Start of the interval of the highest voltage.'],
  ['feeder.maxLinDistFlowErrorPu.value', 'Largest LinDistFlow voltage error', 'p.u.', 'Largest |linear (LinDistFlow) − AC| voltage difference over buses and intervals: how far the market’s linear model was off; empty (null) when the AC check did not converge in some interval.'],
  ['feeder.maxLinDistFlowErrorPu.bus', 'Bus of the largest LinDistFlow error', '', 'The bus where the linear model was furthest off.'],
  ['feeder.maxLinDistFlowErrorPu.at', 'Time of the largest LinDistFlow error', 'time (UTC)', 'Start of the interval where the linear model was furthest off.'],
  ['feeder.inverterSuppliedKvarh', 'Reactive energy supplied by inverters', 'kvarh', 'Σ reactive power the inverters supplied (raising voltage) × Δt.'],
  ['feeder.inverterAbsorbedKvarh', 'Reactive energy absorbed by inverters', 'kvarh', 'Σ reactive power the inverters absorbed (lowering voltage) × Δt.'],
  ['feeder.reactiveSettledIntervals', 'Intervals with reactive energy settled', 'count', 'Real-time intervals whose LinDistFlow clearing priced reactive power (a power factor below 1, or inverters’ Q), so that every party’s kvar was settled at its bus’s reactive price (engine/interval/reactive.ts). Present only on such feeders.'],
  ['feeder.reactiveKvarhBought', 'Reactive energy absorbed or consumed, settled', 'kvarh', 'Σ over parties and intervals of the kvar they withdrew (consumption’s tan φ × awarded kW, inverters absorbing) × Δt, as settled.'],
  ['feeder.reactiveKvarhSold', 'Reactive energy supplied, settled', 'kvarh', 'Σ over parties and intervals of the kvar they injected (inverters supplying, in whole quanta) × Δt, as settled.'],
  ['feeder.reactiveBuyersPay', 'Paid for reactive energy', 'currency', 'What the parties paid for their kvar at their buses’ reactive prices in real time, where a payment (exact decimal; in their agents.csv cost).'],
  ['feeder.reactiveSellersReceive', 'Received for reactive energy', 'currency', 'What the parties received for their kvar at their buses’ reactive prices in real time, where a receipt (a kvar withdrawal at a negative price, or an injection at a positive one).'],
  ['feeder.reactiveSubstationReceives', 'Received by the substation for reactive energy', 'currency', 'The feeder’s net kvar, which the substation supplies, at the reference bus’s reactive price (0: the upstream grid’s reactive power is free in this model).'],
  ['feeder.reactiveRent', 'Reactive rent', 'currency', 'Σ over buses and intervals of (reactive price − the substation’s) × the kvar withdrawn there: paid − received − the substation’s receipts, which the books prove every interval. With the energy’s rent, the LP’s rent (≥ 0 by duality).'],
  ['feeder.meteredWorstVoltagePu.value', 'Lowest metered voltage', 'p.u.', 'Lowest voltage of any bus in any interval in the AC power flow of what the meters read (operators’ commands and every deviation from the schedule included; reactive power as cleared): what the sites saw. Empty (null) when that power flow did not converge in some interval.'],
  ['feeder.meteredWorstVoltagePu.bus', 'Bus of the lowest metered voltage', '', 'The bus where the lowest metered voltage occurred (empty when unknown).'],
  ['feeder.meteredWorstVoltagePu.at', 'Time of the lowest metered voltage', 'time (UTC)', 'Start of the interval of the lowest metered voltage; when it is unknown, of the first interval whose metered power flow did not converge.'],
  ['feeder.meteredHighestVoltagePu.value', 'Highest metered voltage', 'p.u.', 'Highest voltage of any bus in any interval in the AC power flow of what the meters read; empty (null) as the lowest.'],
  ['feeder.meteredHighestVoltagePu.bus', 'Bus of the highest metered voltage', '', 'The bus where the highest metered voltage occurred.'],
  ['feeder.meteredHighestVoltagePu.at', 'Time of the highest metered voltage', 'time (UTC)', 'Start of the interval of the highest metered voltage.'],
  ['feeder.meteredVoltageViolationIntervals', 'Intervals with a metered voltage out of band', 'count', 'Intervals in which a bus’s voltage in the AC power flow of what the meters read left its band.'],
  ['feeder.meteredVoltageViolationBusIntervals', 'Bus-intervals with a metered voltage out of band', 'count', 'Buses × intervals whose metered voltage left its band.'],
  ['feeder.meteredSweepsNotConverged', 'Metered power flows not converged', 'count', 'Intervals whose AC power flow of the metered withdrawals did not converge (what the sites did was past voltage collapse).'],
  // The communication plane (engine/interval/comms.ts CommsSummary), in runs with one.
  ['comms.messages', 'Messages', 'count', 'Messages the communication plane finished (delivered, late, lost or rejected by their receiver).'],
  ['comms.messagesByStatus.*', 'Messages {1}', 'count', 'Messages by their status in messages.csv: the plane’s (delivered, late, lost) or the receiver’s verdict (rejected-…).'],
  ['comms.messagesByType.*', 'Messages of type {1}', 'count', 'Messages of this type.'],
  ['comms.lateBids', 'Bids late', 'count', 'Bids delivered after the gate closed: left out of the clearing.'],
  ['comms.lostBids', 'Bids lost', 'count', 'Bids never delivered.'],
  ['comms.lateCommands', 'Operator commands late', 'count', 'Genuine operator commands delivered after their deadline.'],
  ['comms.lostCommands', 'Operator commands lost', 'count', 'Genuine operator commands never delivered.'],
  ['comms.rejectedCommands', 'Genuine commands rejected', 'count', 'Genuine operator commands their receivers rejected (signature, replay or freshness check).'],
  ['comms.attacksRejected', 'Attacks rejected', 'count', 'Forged and replayed commands and tampered meter reads rejected by their receivers.'],
  ['comms.attacksAccepted', 'Attacks accepted', 'count', 'Replayed copies that verified because their original never arrived: reported, not acted on.'],
  ['comms.drCommittedKwh', 'DR committed (on the plane)', 'kWh', 'Σ committed change × Δt over the opted-in commands.'],
  ['comms.drEnergyLostToLatencyKwh', 'DR lost to command latency', 'kWh', 'Committed energy not in force because commands arrived part-way into their interval.'],
  ['comms.meterReadsStored', 'Meter reads stored', 'count', 'Meter reads the MDMS accepted.'],
  ['comms.meterReadsRejected.*', 'Meter reads rejected: {1}', 'count', 'Meter reads the MDMS rejected for this reason.'],
  ['comms.meterIntervalsEstimated', 'Meter intervals estimated', 'count', 'Meter-intervals the MDMS filled by VEE (interpolated or like-day estimated) for want of a read.'],
  ['comms.meterIntervalsMissing', 'Meter intervals missing', 'count', 'Meter-intervals with no read and no estimate.'],
  ['comms.billedIntervalsEstimated', 'Billed intervals estimated', 'count', 'Customer-intervals of the retail bills filled by VEE instead of an actual read.'],
  ['comms.billedIntervalsMissing', 'Billed intervals missing', 'count', 'Customer-intervals of the retail bills with no read and no estimate (billed as zero energy).'],
  ['comms.sendsDeferred', 'Sends deferred', 'count', 'Messages handed to the plane after their send time because a command was still in flight at the bid time.'],
  ['comms.pricesLate', 'Price broadcasts late', 'count', 'Price broadcasts (and retail tariff signals) delivered after the next bid time, or lost.'],
  ['comms.bidsOnStalePrices', 'Bids on stale prices', 'count', 'Bids (and members’ and customers’ curves) made on prices older than the newest published.'],
  ['comms.memberCurvesMissedGate', 'Member curves that missed the gate', 'count', 'Members’ curves not delivered to their aggregator by its gate: left out of its bid.'],
  ['comms.memberAwardsMissed', 'Member awards missed', 'count', 'Members’ awards not received by the interval start: the member fell back to its last schedule.'],
  ['comms.memberAwardDeviationKwh', 'Member deviation from awards', 'kWh', 'Σ |fallback schedule − share| × Δt over missed awards.'],
  ['comms.repliesLate', 'DR replies late', 'count', 'Opt-in/opt-out replies not delivered within the operator’s reply window.'],
  ['comms.optOutsCountedIn', 'Opt-outs counted as opt-ins', 'count', 'Opt-outs the operator did not hear in time, settled as opt-ins at the value asked.'],
  ['comms.reportsLate', 'Flexibility reports late', 'count', 'Flexibility reports not delivered to the operator by its decision, or lost.'],
  ['comms.dayAheadResultsLate', 'Day-ahead results late', 'count', 'Day-ahead results not delivered by the first delivery interval’s bid time, or lost.'],
  ['comms.dayAheadScheduleIntervalsMissed', 'Day-ahead schedule intervals missed', 'count', 'Intervals of day-ahead schedules an agent did not operate to because the schedule had not arrived.'],
  ['comms.decisionsOnStaleReports', 'Operator decisions on stale reports', 'count', 'Commands the operator planned on a report older than the interval’s own.'],
  ['comms.flexibilityOverestimatedKwh', 'Flexibility overestimated', 'kWh', 'Σ (what the operator counted on from a report − what the agent committed) × Δt.'],
  ['comms.outageCost.bidsMissedGate', 'Bids that missed the gate in link outages', 'count', 'Bids not delivered by the gate because a link was down.'],
  ['comms.outageCost.commandsAffected', 'Commands affected by link outages', 'count', 'Operator commands delayed or lost because a link was down.'],
  ['comms.outageCost.drEnergyLostKwh', 'DR lost to link outages', 'kWh', 'Committed energy not in force because a link was down.'],
  ['comms.outageCost.meterReadsLost', 'Meter reads lost in link outages', 'count', 'Meter reads not delivered because a link was down.'],
  ['comms.linkUtilisationPct.*', 'Utilisation of link {1}', '%', 'Share of the run the shared link {1} was busy transmitting.'],
  // The final settlement from the MDMS (engine/settlementRun.ts), on a communication plane.
  ['settlement.stage', 'Final settlement', '', 'The settlement run these figures come from: the MDMS’s validated and estimated reads.'],
  ['settlement.closed', 'Final settlement books closed', 'yes/no', 'Every identity of the final settlement held (energy, imbalance, intermediaries, demand response).'],
  ['settlement.siteIntervals.*', 'Site-intervals settled on {1} reads', 'count', 'Metered site × interval pairs the final settlement took from a read of this quality.'],
  ['settlement.sitesAdjusted', 'Sites re-settled', 'count', 'Metered sites whose MDMS energy differed from the physical meter in some interval.'],
  ['settlement.adjustedSiteIntervals', 'Site-intervals re-settled', 'count', 'Metered site × interval pairs whose MDMS energy differed from the physical meter.'],
  ['settlement.imbalanceAdjustmentPaid', 'Imbalance re-settlement paid', 'currency', 'What the parties facing the market paid (+) in the final settlement for the difference between their MDMS energy and the physical meter.'],
  ['settlement.reconciliation.owner', 'Reconciliation account owner', '', 'The party that holds unaccounted-for energy and its money (the market operator).'],
  ['settlement.reconciliation.unaccountedKwh', 'Unaccounted-for energy', 'kWh', 'Physical minus settled energy: what estimated reads added (−) or missed (+), held by the reconciliation account.'],
  ['settlement.reconciliation.received', 'Reconciliation account received', 'currency', 'What the reconciliation account received for the unaccounted-for energy (equal to the imbalance re-settlement paid).'],
  ['settlement.demandResponse.*.commands', 'DR commands re-settled, {1}', 'count', 'Opted-in commands of this operator settled again from the MDMS.'],
  ['settlement.demandResponse.*.initialPaid', 'DR paid initially, {1}', 'currency', 'Payments minus penalties of this operator from the meter phase.'],
  ['settlement.demandResponse.*.finalPaid', 'DR paid finally, {1}', 'currency', 'Payments minus penalties of this operator from the MDMS’s reads.'],
  ['settlement.demandResponse.*.adjustment', 'DR re-settlement, {1}', 'currency', 'Final minus initial payments of this operator (+ it pays more).'],
  ['settlement.demandResponse.*.finalDeliveredKwh', 'DR delivered (MDMS), {1}', 'kWh', 'Σ (baseline − actual) × Δt over the opted-in commands, on the MDMS’s reads.'],
  ['settlement.demandResponse.*.finalCreditedKwh', 'DR credited (MDMS), {1}', 'kWh', 'Σ min(delivered, committed) over the opted-in commands, on the MDMS’s reads.'],
  ['settlement.demandResponse.*.unmeasuredCommands', 'DR commands not measurable (MDMS), {1}', 'count', 'Commands with no read or no baseline from the MDMS: not paid, no penalty.'],
  ['settlement.retailBillingTrueUp.*', 'Retail billing true-up, {1}', 'currency', 'The bills from the MDMS minus what the meter phase’s registers would have billed: what the retailer’s interval charges (cost_extra) miss where VEE estimated (0 with every read intact).'],
  ['settlement.meteredCustomers.customers', 'Metered customers (aggregate)', 'count', 'Customers in the aggregate a third party may see (at least 15, none over 15 %).'],
  ['settlement.meteredCustomers.importKwh', 'Metered customers’ import', 'kWh', 'The customers’ MDMS import over the run, as a third party’s aggregate.'],
  ['settlement.meteredCustomers.exportKwh', 'Metered customers’ export', 'kWh', 'The customers’ MDMS export over the run, as a third party’s aggregate.'],
  ['settlement.meteredCustomers.missingReads', 'Metered customers’ missing reads', 'count', 'Customer-intervals with no read and no estimate in that aggregate.'],
  ['settlement.meteredCustomers.withheld', 'Metered customers’ aggregate withheld', '', 'Why a third party may not see the customers’ total (the 15/15 rule).'],
];

const matchers = ENTRIES.map(([path, name, unit, meaning]) => ({
  re: new RegExp(`^${path.split('.').map((p) => (p === '*' ? '([^.]+)' : p.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&'))).join('\\.')}$`),
  name,
  unit,
  meaning,
}));

/** Words of a camelCase or dotted path: `averageBillByKind.home` → 'average bill by kind home'. */
const words = (path: string): string =>
  path
    .replace(/\./g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();

/** Unit a key's suffix states, for keys the catalogue does not know; '' (none shown) where it states none. */
function unitOf(path: string): string {
  const last = path.slice(path.lastIndexOf('.') + 1);
  if (/Mwh$/.test(last)) return 'currency/MWh';
  if (/Kwh$/.test(last)) return 'kWh';
  if (/Kvarh$/.test(last)) return 'kvarh';
  if (/Kw$/.test(last)) return 'kW';
  if (/Pct$/.test(last)) return '%';
  if (/Pu$/.test(last)) return 'p.u.';
  if (/Minutes$/.test(last)) return 'min';
  if (/(Count|Intervals)$/.test(last)) return 'count';
  if (/(Cost|Payment|Payments|Income|Revenue|Margin|Bill)$/i.test(last)) return 'currency';
  return '';
}

/** The catalogue's entry for a KPI path (or one made from its words). */
export function kpiInfo(path: string): KpiInfo {
  for (const m of matchers) {
    const hit = m.re.exec(path);
    if (hit) return { name: m.name.replace('{1}', hit[1] ?? '').replace('{2}', hit[2] ?? ''), unit: m.unit, meaning: m.meaning.replace('{1}', hit[1] ?? '') };
  }
  const w = words(path).replace(/ (kwh|kvarh|kw|mwh|pct|pu)$/, '');
  return { name: w.charAt(0).toUpperCase() + w.slice(1), unit: unitOf(path), meaning: '' };
}

/** True when the catalogue has an entry for the path (not a name made from its words). */
export const isCatalogued = (path: string): boolean => matchers.some((m) => m.re.test(path));

/** 'Peak consumption (kW)': a chart title or column head, with its unit (the name alone where it has none). */
export const kpiTitle = (path: string): string => {
  const { name, unit } = kpiInfo(path);
  return unit === '' ? name : `${name} (${unit})`;
};

/**
 * The communication plane in the interval (issue 17): when a scenario sets `comms:` to a
 * plane (not `ideal`), the interval's messages travel on it (comms/plane.ts) in virtual
 * time, and what arrives when decides what happens:
 *
 * - **bids** agent → market (and each intermediary's bid) are sent at the bid time with the
 *   gate closure as deadline; a bid not delivered by the gate misses it (rejected
 *   `gate-closed` with the reason), as does a bid lost after its retries;
 * - **awards** market → agent (one per bid in the book) are sent at the gate; they are
 *   logged (late or lost ones too) but an agent acts on its award whatever: the engine
 *   settles positions at the gate (what a late award changes is left to a later issue);
 * - **members' shares** aggregator → member (`member-award`) are sent at the gate; a member
 *   follows the share it has received by the interval start, else its last schedule
 *   (`MemberFallback`), and the difference settles as its imbalance;
 * - **operator commands** (the DSO's flexibility commands to keep its branches within
 *   limits: `curtail`, distribution-grid-management class, RP1; V2G commands included) are
 *   signed by their operator (Ed25519) and sent at the interval start, `late` beyond the
 *   class's 2 s requirement; the agent verifies signature, freshness (one interval) and nonce on arrival.
 *   A command acts only from its delivery on, pro rata: the agent's committed change
 *   × (end − delivered) / (end − start), in whole quanta; lost or rejected: nothing;
 * - **meter reads** meter → MDMS (AMI, RP2), sealed with the meter's HMAC key, at the
 *   interval end; the MDMS validates them (VEE) and rejects tampered ones.
 * - **forged, replayed and tampered traffic** (faults `forged-command`, `replayed-command`,
 *   `tampered-read`) travels too and is rejected by its receiver: reported in messages.csv
 *   (`rejected-signature`, `rejected-target`, `rejected-replay`, `rejected-stale`, `rejected-mac`), events.csv
 *   and the summary.
 *
 * The engine runs an interval's phases in turn, while the plane's clock only moves
 * forward: the commands of interval k must be resolved before interval k+1's bids are
 * sent (at its bid time, usually inside interval k). The plane runs to that bid time; only
 * when a command is still in flight then does it run on to the interval end, and a later
 * message whose send time has passed is handed to the plane at the plane's time
 * (`sendsDeferred` in the summary counts them; none in a run without such slow commands).
 *
 * With `comms: ideal` none of this exists: the simulation never builds a `CommsRun`.
 */
import { appendAll } from '../../core/arrays.ts';
import type { KeyObject } from 'node:crypto';
import { APPLICATION_CLASSES, type ApplicationClass, DOE_2010_REQUIREMENTS } from '../../comms/applicationClasses.ts';
import { MessageLogWriter } from '../../comms/messageLog.ts';
import { type Message, MESSAGE_ROUTES, MESSAGE_TYPES, type MessageType } from '../../comms/messages.ts';
import { B_CLASS, B_KIND, B_STATUS, B_TYPE, classIndex, DELIVERED, DELIVERY_STATUSES, F_DELIVERED_AT, F_SENT_AT, I_BATCH, I_LINK, I_TAG, LATE, type MessageTable, RECORD_BYTES, referencePointIndex, typeIndex } from '../../comms/messageTable.ts';
import { type DeliveryRecord, type LinkStats, MessagePlane, type PlaneOwner } from '../../comms/plane.ts';
import type { ReferencePoint } from '../../comms/referencePoints.ts';
import type { ResolvedPlane } from '../../comms/schema.ts';
import { meterMacKey, signingKeyPair, type SigningKeyPair } from '../../comms/security/keys.ts';
import { MeterSealTable } from '../../comms/security/meterMac.ts';
import { CommandSigner, CommandVerifier, type SignedEnvelope, type RejectionReason } from '../../comms/security/signedCommand.ts';
import type { RandomService } from '../../core/rng.ts';
import type { SiteZone } from '../../core/siteZone.ts';
import { formatSimTime, minutesToMs, type SimTime, simTime } from '../../core/time.ts';
import { Mdms } from '../../metering/mdms.ts';
import type { ReadQuality } from '../../metering/vee.ts';
import { meterIdFor, meterReadKwh } from '../../metering/meter.ts';
import type { Rejection } from '../../market/types.ts';
import { segmentCount } from '../../market/packedCurves.ts';
import type { MarketInterval } from '../../core/clock.ts';
import type { Fault } from '../../agents/operations/faults.ts';
import { timeOf } from '../../agents/operations/faults.ts';
import type { GridEvent } from '../../agents/operations/gridRoom.ts';
import type { CommandRecord, ReportedFlexibility } from '../../agents/operations/operator.ts';
import type { MemberCurve, OperatorCommand } from '../../agents/types.ts';
import type { BidsAtSender, PartyBid } from './collectBids.ts';
import type { IntervalLedger } from './ledger.ts';
import type { Party } from './participants.ts';
import { grown } from '../../core/typedArrays.ts';
import { byKey } from '../../core/textOrder.ts';

/**
 * Message sizes, bytes (our choice; the DOE table gives rates, not payloads): a header of
 * 100 B (ids, times, routing) plus 16 B per bid segment (price and quantity as two
 * doubles); an award 100 B; a signed command 250 B (the event of ~120 B, issuer, nonce,
 * a 64-byte Ed25519 signature in base64); a sealed meter read 150 B (the read of ~80 B
 * and a 64-hex-digit HMAC).
 */
export const MESSAGE_BYTES = { header: 100, perSegment: 16, award: 100, command: 250, meterRead: 150, price: 100, reply: 100, report: 116 } as const;

/**
 * The agents that report their flexibility to their feeder operator before it dispatches
 * (docs/comms.md, *Reports*): batteries (DER and storage class, RP1: telemetry from the grid
 * domain, as SCADA carries it) and electric cars (electric-transportation class, RP3: a charge
 * point reaches the operator through the customer's gateway or the public internet, as V2G
 * commands do). A report is a header and two doubles (planned net, available change): 116 B.
 */
export const REPORTING_KINDS: ReadonlySet<string> = new Set(['storage', 'ev']);

/**
 * An aggregator's own gate for its members' curves (our choice; no source gives one): the
 * members send their curves this long before the aggregator bids (at the market's bid time,
 * gate − 1 min), so the aggregator's gate is its own bid time; a curve not delivered by then
 * is left out of its bid (rejected `gate-closed` with the reason).
 */
export const MEMBER_LEAD_MS = 60_000;

/**
 * How long before an interval's gate its first messages leave, minutes: the bids 1 min, and with
 * an aggregator its members' curves MEMBER_LEAD_MS before them. On a plane interval k+1's first
 * messages must leave within interval k (its commands are resolved first, and the plane's clock
 * only moves forward), so a gate plus this lead longer than an interval sends every interval's
 * bids after their gate but the first's (engine/scenario/load.ts refuses such a scenario).
 */
export const firstSendLeadMinutes = (hasAggregators: boolean): number => 1 + (hasAggregators ? MEMBER_LEAD_MS / 60_000 : 0);

/**
 * How long an operator waits for the answers to its event (our choice): an opt-in or opt-out
 * reply must reach it within this window from the event's start (capped by the interval).
 * The rule for silence is OpenADR's opt-out model: an enrolled agent takes part unless it
 * opts out in time, so an opt-out that arrives late, or never, counts as an opt-in at the
 * value the operator asked — its DR settlement measures what it delivered (nothing, since it
 * declined) against that, and charges the shortfall penalty.
 */
export const REPLY_WINDOW_MS = 5 * 60_000;

/** The agent's gateway answers a command on the next whole second after it arrives (the plane advances in such steps while replies are due). */
export const REPLY_STEP_MS = 1_000;

/**
 * A command is `late` when it takes longer than the distribution-grid-management class's
 * upper latency requirement (DOE 2010: 2 s); whatever its status, it acts from its delivery on.
 */
export const COMMAND_DEADLINE_MS = DOE_2010_REQUIREMENTS['distribution-grid-management'].latencyMs[1];

/**
 * What a member does when its aggregator's split of the award (its `member-award`) has not
 * reached it by the interval start, late or lost (our choice, after the "their last
 * schedule"): it repeats the schedule it last followed — the buy and sell kW of its last
 * interval as a member, whether an award or itself a fallback — and, with none yet, does not
 * respond (0 kW: a battery idles, a plant stays off, a home's flexible load waits). It does
 * so for the whole interval, even if the award arrives later in it. Its position (what it
 * settles against) stays the share, so the difference is its imbalance.
 */
export interface MemberFallback {
  /** 1 where the member falls back this interval. */
  readonly missed: Uint8Array;
  /** The schedule it follows, quanta (its last followed one where `missed`). */
  readonly buyQuanta: Float64Array;
  readonly sellQuanta: Float64Array;
}

/** A piece of messages.csv: whole rows as UTF-8 bytes, each ending in a newline (comms/messageLog.ts). */
export type MessageLogRow = Uint8Array;

/** Statuses a receiver's verdict puts in messages.csv in place of the plane's `delivered` / `late`. */
export type ReceiverStatus = 'rejected-signature' | 'rejected-target' | 'rejected-replay' | 'rejected-stale' | 'rejected-mac' | 'rejected-read';

/** What the plane did to one operator command that the agent opted in to. */
export interface CommandDelivery {
  readonly party: number;
  readonly target: string;
  readonly issuer: string;
  /** Delivery latency, ms (undefined: never delivered in force). */
  readonly latencyMs: number | undefined;
  /** Share of the interval the command was in force, [0, 1]. */
  readonly inForce: number;
  /** Committed and effective change of net consumption, kW (≤ 0 for reductions). */
  readonly committedKw: number;
  readonly effectiveKw: number;
  /** Sent while its link was down (an outage window). */
  readonly duringOutage: boolean;
}

/** What one interval hands to the recorder. */
export interface IntervalComms {
  /** messages.csv rows of the messages finished during this interval, in the order they finished, as pieces of bytes. */
  readonly rows: readonly MessageLogRow[];
  readonly commands: readonly CommandDelivery[];
}

/**
 * What a receiver does with a message when it finishes, per plane slot (its `kind` in the table). The
 * messages sent once per agent and interval (bids, awards, price broadcasts, meter reads) are
 * rows of the plane's table only, with their kind; every other message goes through `send` as a
 * `Message` object with a `Pending` (kind MESSAGE), and its receiver acts on a
 * `DeliveryRecord` in `finishedMessage`, the plane's message-object interface.
 */
const MESSAGE = 0;
const BID = 1;
const AWARD = 2;
const READ = 3;
/** A price broadcast: `tag` its receiving party, `batch` the interval whose prices it carries (the slot's fields in the table). */
const PRICE = 4;
/** A flexibility report agent → operator: `tag` its sender, `batch` the interval it was made for, `reportKw` its two figures. */
const REPORT = 5;
/** Day-ahead results to a party: `tag` the party; its schedule, if it operates to one, in `scheduleOf`. */
const DA_RESULT = 6;
/** An operator command a `comms-loss` fault cut off at its sender (`commands`): a lost row, counted in `lostCommands`. */
const LOST_COMMAND = 7;

type Pending =
  | { readonly kind: 'command'; readonly envelope: SignedEnvelope<CommandPayload>; readonly receiver: number; readonly genuine: boolean }
  | { readonly kind: 'member-curve'; readonly curve: MemberCurve }
  | { readonly kind: 'reply'; readonly party: number; readonly eventId: string; readonly optOut: boolean }
  | { readonly kind: 'member-award'; readonly party: number; readonly interval: number };

/** Per message type: its type, class and reference point indices (MESSAGE_ROUTES). */
const ROUTE = Object.fromEntries(
  Object.entries(MESSAGE_ROUTES).map(([type, r]) => [type, { type: typeIndex[type as MessageType], cls: classIndex[r.class], rp: referencePointIndex[r.referencePoint] }]),
) as Readonly<Record<MessageType, { readonly type: number; readonly cls: number; readonly rp: number }>>;

const BID_ROUTE = ROUTE.bid;
const OFFER_ROUTE = ROUTE.offer;
const PRICE_ROUTE = ROUTE.price;
const AWARD_ROUTE = ROUTE.award;
const READ_ROUTE = ROUTE['meter-read'];
const RP4 = referencePointIndex.RP4;

/** What an operator's signed command carries (JSON-signable). */
/** A command as signed and sent: `valueKw` a setpoint's change, or (with `type`: IMPORT_CAPACITY_LIMIT) the import cap. */
type CommandPayload = { readonly eventId: string; readonly target: string; readonly intervalStart: number; readonly type?: OperatorCommand['type']; readonly valueKw: number; readonly deliverKw: number };

export interface CommsRunInput {
  readonly plane: ResolvedPlane;
  readonly random: RandomService;
  readonly seed: number;
  readonly parties: readonly Party[];
  /** Per party: its feeder operator's id (the first listed serving its bus: its flexibility reports go to it), undefined when none serves it. */
  readonly operatorOf: readonly (string | undefined)[];
  /**
   * Per party: every operator whose feeder serves its bus, the issuers it trusts (with overlapping feeders more
   * than one: README, "Several operators"); absent: `operatorOf` alone.
   */
  readonly operatorsOf?: readonly (readonly string[])[] | undefined;
  readonly operators: readonly string[];
  readonly faults: readonly Fault[];
  readonly intervalMinutes: number;
  readonly gateClosureMinutes: number;
  readonly runStart: SimTime;
  readonly runEnd: SimTime;
  /** The site's clock: the MDMS's like days (VEE estimation, metering/vee.ts) are its local days. Absent: 24-hour days. */
  readonly zone?: SiteZone | undefined;
  /** Encode the rows of messages.csv (default true); false in a pass whose rows nobody reads (SimulationOptions.messageLog). */
  readonly messageLog?: boolean | undefined;
  /** messages.csv pieces valid only until the next interval's (SimulationOptions.reuseIntervalArrays; comms/messageLog.ts). */
  readonly reuseLogPieces?: boolean | undefined;
}

export class CommsRun implements PlaneOwner {
  private readonly plane: MessagePlane;
  private readonly table: MessageTable;
  /**
   * Reads in flight as numbers, not objects (10,000 an interval, each alive until the MDMS has
   * it): per slot its import and export kWh and its MAC's 8 words; its party and its batch (the
   * interval it covers) in the slot's `tag` and `batch`, read with the record as it finishes, and
   * no voltage (NaN: the engine's reads carry none). The MDMS takes them as numbers (`ingestSealed`).
   * Two doubles per read rather than five: a read finishes at a random moment of its burst, and
   * four reads share a cache line instead of a read needing two.
   */
  private readKwh = new Float64Array(2 * 1024);
  private readMacs = new Int32Array(8 * 1024);
  /** Per call of `meterReads` (a read's `batch` in the table): the interval start and length its reads cover (its party is the read's `tag`). */
  private readBatchStart = new Float64Array(128);
  private readBatchMs = new Float64Array(128);
  private readBatches = 0;
  /** Per plane slot of a MESSAGE: the message (undefined elsewhere). */
  private readonly messageOf: (Message | undefined)[] = [];
  /** Messages sent with `send` still in flight, with what their receiver needs. */
  private readonly pending = new Map<Message, Pending>();
  /** Command deliveries of the current interval: command message → delivered at (ms). */
  private readonly commandArrivals = new Map<Message, number>();
  private sequence = 0;
  private readonly log: MessageLogWriter;
  private commandsOut: CommandDelivery[] = [];
  private readonly signers = new Map<string, CommandSigner>();
  private readonly verifiers = new Map<number, CommandVerifier>();
  private readonly operatorKeys = new Map<string, KeyObject>();
  private readonly macKeys = new Map<string, Buffer>();
  /** The meters' side of the read seals (the MDMS holds its own copy of the keys). */
  private readonly seals = new MeterSealTable();
  private readonly sealOf = new Map<string, number>();
  readonly mdms: Mdms;
  /** Last genuine command envelope sent to each party (what an eavesdropper captures and replays). */
  private readonly captured = new Map<number, SignedEnvelope<CommandPayload>>();
  /** The current gate's bids: its number, and per bid whether it was delivered by the gate. */
  private bidBatch = 0;
  private bidArrived = new Uint8Array(0);
  /** Per party index: its meter's id, endpoint and key (made on its first read). */
  private readonly meters: ({ readonly party: string; readonly id: string; readonly endpoint: number; readonly seal: number; readonly mdms: number } | undefined)[] = [];
  private readonly marketEndpoint: number;
  private readonly partyEndpoints: number[] = [];
  /** Per party: the name `partyEndpoints` holds the endpoint of (undefined: none yet). */
  private readonly partyEndpointNames: (string | undefined)[] = [];
  /** Per party: endpoint of its own id (−1 until first used; names are interned on first use, as `send` did). */
  private readonly ownEndpoints: Int32Array;
  /** Per party: the endpoint its bids of gate `bidEndpointBatch` were sent from (`gateBids`), where `awards` sends their awards. */
  private readonly bidEndpoint: Int32Array;
  private readonly bidEndpointBatch: Int32Array;
  /** Per party, read once per bid and price: its bids are supply offers (OFFER_KINDS); it is an intermediary, reached over RP4. */
  private readonly offers: Uint8Array;
  private readonly intermediary: Uint8Array;
  private readonly mdmsEndpoint: number;
  private readonly intervalMs: number;
  private readonly freshnessMs: number;
  private readonly indexOf: Map<string, number>;
  /** Statuses in messages.csv: the plane's (DELIVERY_STATUSES), then receivers' verdicts as they first occur. */
  private readonly statusText: string[] = [...DELIVERY_STATUSES];
  private byStatus: number[] = DELIVERY_STATUSES.map(() => 0);
  private readonly byType = new Float64Array(MESSAGE_TYPES.length);
  private readonly counts = {
    lateBids: 0,
    lostBids: 0,
    lateCommands: 0,
    lostCommands: 0,
    rejectedCommands: 0,
    drCommittedKwh: 0,
    drLostToLatencyKwh: 0,
    readsStored: 0,
    readsRejected: new Map<string, number>(),
    sendsDeferred: 0,
    pricesLate: 0,
    staleViews: 0,
    memberCurvesMissed: 0,
    memberAwardsMissed: 0,
    memberAwardDeviationKwh: 0,
    repliesLate: 0,
    optOutsCountedIn: 0,
    reportsLate: 0,
    dayAheadResultsLate: 0,
    dayAheadScheduleIntervalsMissed: 0,
    decisionsOnStaleReports: 0,
    flexibilityOverestimatedKwh: 0,
    attacksAccepted: 0,
    attacksRejected: 0,
    outage: { bidsMissed: 0, drLostKwh: 0, commandsAffected: 0, readsAffected: 0 },
  };
  /** Delivery latency samples (ms) per class index, for the report's distribution; `latencyCount` of each used. */
  private readonly latencySamples: Float64Array[] = [];
  private readonly latencyCount = new Int32Array(APPLICATION_CLASSES.length);
  /** The run's intervals, and how many have been taken (`takeInterval`): what sizes the sample arrays. */
  private readonly intervalsInRun: number;
  private intervalsTaken = 0;
  /** Per party: the newest interval whose prices it has received, and when; and the one before (−1: none). */
  private readonly priceNewest: Int32Array;
  private readonly priceNewestAt: Float64Array;
  private readonly pricePrevious: Int32Array;
  /** Reports in flight, per slot: the sender's planned net and available change, kW. */
  private reportKw = new Float64Array(2 * 1024);
  /** Per party: sends reports (1); the interval of the newest report its operator has received (−1: none) and its figures. */
  private readonly reporting: Uint8Array;
  private readonly reportNewest: Int32Array;
  private readonly reportPlannedKw: Float64Array;
  private readonly reportAvailableKw: Float64Array;
  /** Day-ahead results in flight that carry a schedule, by slot; schedules delivered and not yet handed over, with when they arrived. */
  private readonly scheduleOf = new Map<number, ReadonlyMap<number, number>>();
  private daInFlight = 0;
  private schedulesArrived: Array<{ readonly party: number; readonly schedule: ReadonlyMap<number, number>; readonly atMs: number }> = [];
  /** Member curves delivered to their aggregator (cleared at each member gate). */
  private readonly curvesArrived = new Set<Message>();
  /**
   * The commands of the current interval whose reply was delivered on time, by event id: a reply answers one
   * command, and a device asked by two operators (agents/operations/conflicts.ts) replies to each.
   */
  private readonly repliesOnTime = new Set<string>();
  /** Per party: the interval whose member award reached it by that interval's start (−1: none). */
  private readonly memberAwardOnTime: Int32Array;
  /** The members sent an award this interval (memberAwards), in order. */
  private memberAwardsSent: number[] = [];
  /** Per party: the schedule (buy, sell quanta) it last followed as a member (0, 0: none yet), and this interval's fallback. */
  private readonly memberFallback: MemberFallback;

  constructor(private readonly input: CommsRunInput) {
    this.log = new MessageLogWriter(input.messageLog !== false, input.reuseLogPieces === true);
    this.plane = new MessagePlane(input.plane, input.random);
    this.table = this.plane.table;
    this.marketEndpoint = this.table.endpoints.id('market');
    this.mdmsEndpoint = this.table.endpoints.id('mdms');
    this.intervalMs = minutesToMs(input.intervalMinutes);
    // A command for an interval is worth nothing once the interval is over: the freshness window.
    this.freshnessMs = this.intervalMs;
    this.indexOf = new Map(input.parties.map((p, i) => [p.id, i]));
    this.priceNewest = new Int32Array(input.parties.length).fill(-1);
    this.pricePrevious = new Int32Array(input.parties.length).fill(-1);
    this.priceNewestAt = new Float64Array(input.parties.length).fill(-Infinity);
    this.reporting = new Uint8Array(input.parties.length);
    this.reportNewest = new Int32Array(input.parties.length).fill(-1);
    this.reportPlannedKw = new Float64Array(input.parties.length);
    this.reportAvailableKw = new Float64Array(input.parties.length);
    this.hasMembers = input.parties.some((p) => p.role === 'aggregator');
    this.ownEndpoints = new Int32Array(input.parties.length).fill(-1);
    this.bidEndpoint = new Int32Array(input.parties.length);
    this.bidEndpointBatch = new Int32Array(input.parties.length);
    this.offers = Uint8Array.from(input.parties, (p) => (OFFER_KINDS.has(p.kind) ? 1 : 0));
    this.intermediary = Uint8Array.from(input.parties, (p) => (p.role === 'agent' ? 0 : 1));
    this.memberAwardOnTime = new Int32Array(input.parties.length).fill(-1);
    const n = input.parties.length;
    this.memberFallback = { missed: new Uint8Array(n), buyQuanta: new Float64Array(n), sellQuanta: new Float64Array(n) };
    for (const op of input.operators) this.operatorKeys.set(op, this.keysOf(op).publicKey);
    this.intervalsInRun = Math.ceil((input.runEnd - input.runStart) / this.intervalMs);
    // The MDMS's interval grid is the run's, from its start: a run of hourly intervals from :30 UTC is on no grid of the
    // epoch's hours, and every read was rejected as misaligned (fuzz --feeder seed 20041: 18 of 18, all billed as missing).
    this.mdms = new Mdms({ rules: { intervalMs: this.intervalMs, gridOriginMs: input.runStart, maxKwhPerInterval: 1e6, ...(input.zone ? { zone: input.zone } : {}) }, macKey: (m) => this.macKeys.get(m), readsPerMeter: this.intervalsInRun });
  }

  private readonly keyPairs = new Map<string, SigningKeyPair>();
  private keysOf(party: string): SigningKeyPair {
    let k = this.keyPairs.get(party);
    if (!k) this.keyPairs.set(party, (k = signingKeyPair(this.input.seed, party)));
    return k;
  }

  private readonly hasMembers: boolean;

  /**
   * Hands a message to the plane at `sentAtMs`, or at the plane's time when that has passed
   * (counted in `sendsDeferred`); returns its slot. `from` and `to` are endpoint ids, `deadlineMs`
   * NaN for none; `kind` says what its receiver does with it (`finished`).
   */
  private sendRow(type: MessageType, from: number, to: number, sizeBytes: number, sentAtMs: number, deadlineMs: number, kind: number, referencePoint?: ReferencePoint, cls?: ApplicationClass, cutOff = false): number {
    const route = ROUTE[type];
    return this.sendIndexed(route.type, cls === undefined ? route.cls : classIndex[cls], referencePoint === undefined ? route.rp : referencePointIndex[referencePoint], from, to, sizeBytes, sentAtMs, deadlineMs, kind, 0, 0, cutOff);
  }

  /** `sendRow` with the type, class and reference point as indices, and the slot's `tag` and `batch` (what the receiver of `kind` reads). */
  private sendIndexed(type: number, cls: number, rp: number, from: number, to: number, sizeBytes: number, sentAtMs: number, deadlineMs: number, kind: number, tag: number, batch: number, cutOff = false): number {
    const now = this.plane.nowMs;
    if (sentAtMs < now) {
      sentAtMs = now;
      this.counts.sendsDeferred++;
    }
    // A message whose sender a comms-loss fault cut off never enters the network: a lost row (0 attempts), nothing drawn.
    if (cutOff) return this.plane.sendLost(type, cls, rp, from, to, sizeBytes, sentAtMs, deadlineMs, kind, tag, batch);
    return this.plane.send(type, cls, rp, from, to, sizeBytes, sentAtMs, deadlineMs, kind, tag, batch);
  }

  /** A message whose receiver needs more than its kind: the `Message` (its id the sequence number), with `pending` kept until it finishes. */
  private send(m: Omit<Message, 'class' | 'referencePoint' | 'id'> & { readonly idHint?: string; readonly referencePoint?: Message['referencePoint'] }, pending: Pending): Message {
    const ep = this.table.endpoints;
    const slot = this.sendRow(m.type, ep.id(m.from), ep.id(m.to), m.sizeBytes, m.sentAtMs, m.deadlineMs ?? NaN, MESSAGE, m.referencePoint);
    const t = this.table;
    while (this.messageOf.length <= slot) this.messageOf.push(undefined);
    const route = MESSAGE_ROUTES[m.type];
    // The send time the plane took (the plane's time when `sentAtMs` had passed).
    const message: Message = { id: String(++this.sequence), type: m.type, class: route.class, referencePoint: m.referencePoint ?? route.referencePoint, from: m.from, to: m.to, sizeBytes: m.sizeBytes, sentAtMs: t.sentAtMs(slot), ...(m.deadlineMs === undefined ? {} : { deadlineMs: m.deadlineMs }) };
    this.messageOf[slot] = message;
    this.pending.set(message, pending);
    return message;
  }

  /**
   * Endpoint id of party `party` named `name` (cached per party index with the name it was asked
   * for: no map lookup per message). The cache keeps the caller's own string, not the interned one:
   * an agent's bids carry the same id string every interval, so the check is a pointer comparison,
   * not a comparison of the texts (which read a name string from elsewhere in the heap per bid).
   */
  private partyEndpoint(party: number, name: string): number {
    const names = this.partyEndpointNames;
    if (names[party] === name) return this.partyEndpoints[party]!;
    while (names.length <= party) {
      names.push(undefined);
      this.partyEndpoints.push(-1);
    }
    const fresh = this.table.endpoints.id(name);
    this.partyEndpoints[party] = fresh;
    names[party] = name;
    return fresh;
  }

  /** Endpoint of party `party`'s own id. */
  private ownEndpoint(party: number): number {
    const id = this.ownEndpoints[party]!;
    return id >= 0 ? id : (this.ownEndpoints[party] = this.table.endpoints.id(this.input.parties[party]!.id));
  }

  /** Was the link that carries message `slot` down when it was sent? */
  private slotLinkDown(slot: number): boolean {
    const t = this.table;
    return this.plane.linkDownAt(t.cls(slot), t.rp(slot), t.sentAtMs(slot));
  }

  /** Was the link that carries `m` down when `m` was sent? */
  private linkDownAt(m: Message): boolean {
    return this.plane.linkDownAt(classIndex[m.class], referencePointIndex[m.referencePoint], m.sentAtMs);
  }

  /**
   * Phase 1b, bids on the plane: sends every bid that would have reached the market by the
   * gate, runs the plane to the gate, and keeps those delivered by then; the rest miss the
   * gate, rejected with the reason (`rejections`). What happened at the senders (`atSender`,
   * engine/interval/collectBids.ts): a bid held there (a `comms-loss` fault's delay, the agent's
   * `commsLatencyMinutes`) enters the plane when its sender lets it go, and one cut off there
   * (`comms-loss`, lost) is a lost row of messages.csv and counts in `lostBids` (not a rejection:
   * its COMMS_LOSS event says what happened, as without a plane).
   */
  gateBids(bids: readonly PartyBid[], interval: MarketInterval, bidTime: SimTime, rejections: Rejection[], atSender?: BidsAtSender): PartyBid[] {
    const batch = ++this.bidBatch;
    const held = atSender?.held ?? [];
    const n = bids.length + held.length;
    if (this.bidArrived.length < n) this.bidArrived = new Uint8Array(Math.max(n, 2 * this.bidArrived.length));
    else this.bidArrived.fill(0, 0, n);
    const duringOutage = new Uint8Array(n);
    const checkOutages = this.plane.hasOutages;
    // The plane may already be past the bid time: the last interval's commands kept it running (sendsDeferred).
    const deferredTo = this.plane.nowMs > bidTime ? simTime(this.plane.nowMs) : undefined;
    const sendBid = (bid: PartyBid, i: number, sentAt: number, cutOff: boolean): number => {
      // Generators and batteries offer over DER and storage (RP1); intermediaries bid as service providers (RP4).
      const route = this.offers[bid.party] ? OFFER_ROUTE : BID_ROUTE;
      const from = this.partyEndpoint(bid.party, bid.agentId);
      // The award to this bid goes back to the same endpoint (`awards`): kept per party for this gate.
      this.bidEndpoint[bid.party] = from;
      this.bidEndpointBatch[bid.party] = batch;
      return this.sendIndexed(route.type, route.cls, this.intermediary[bid.party] ? RP4 : route.rp, from, this.marketEndpoint, MESSAGE_BYTES.header + MESSAGE_BYTES.perSegment * segmentCount(bid), sentAt, interval.gateClosure, BID, i, batch, cutOff);
    };
    let block = 0;
    for (let i = 0; i < bids.length; i++) {
      if (i === block) block = this.loadBids(bids, i);
      const slot = sendBid(bids[i]!, i, bidTime, false);
      if (checkOutages) duringOutage[i] = this.slotLinkDown(slot) ? 1 : 0;
    }
    for (let k = 0; k < held.length; k++) {
      const slot = sendBid(held[k]!.bid, bids.length + k, held[k]!.at, false);
      if (checkOutages) duringOutage[bids.length + k] = this.slotLinkDown(slot) ? 1 : 0;
    }
    for (const bid of atSender?.lost ?? []) sendBid(bid, -1, bidTime, true);
    this.plane.advanceTo(interval.gateClosure, this);
    const onTime: PartyBid[] = [];
    for (let i = 0; i < n; i++) {
      const bid = i < bids.length ? bids[i]! : held[i - bids.length]!.bid;
      if (this.bidArrived[i]) {
        onTime.push(bid);
        continue;
      }
      if (duringOutage[i]) this.counts.outage.bidsMissed++;
      const heldUntil = i < bids.length ? undefined : held[i - bids.length]!.at;
      const why =
        heldUntil === undefined
          ? deferredTo === undefined
            ? 'still in transit or lost on the communication plane'
            : `sent only at ${formatSimTime(deferredTo)}, not at its bid time ${formatSimTime(bidTime)}: the plane was still carrying the last interval's operator commands (sendsDeferred; docs/comms.md, order of work)${deferredTo >= interval.gateClosure ? '' : ', then still in transit or lost'}`
          : `held at its sender until ${formatSimTime(heldUntil)} (a comms-loss delay or the agent's commsLatencyMinutes)${heldUntil > interval.gateClosure ? '' : ', then still in transit or lost on the communication plane'}`;
      rejections.push({ bidId: bid.id, agentId: bid.agentId, interval: bid.interval, code: 'gate-closed', reason: `not delivered by gate closure ${formatSimTime(interval.gateClosure)}: ${why} (see messages.csv)` });
    }
    return onTime;
  }

  /**
   * Phase 1a, members' curves on the plane: each member sends its curve to its aggregator
   * `MEMBER_LEAD_MS` before the aggregator bids (`bidTime`, the aggregator's own gate); the
   * plane runs to that gate, and a curve not delivered by then is left out of the
   * aggregator's bid (removed from `curves`, rejected `gate-closed` with the reason).
   */
  memberGate(curves: Map<number, MemberCurve[]>, interval: MarketInterval, bidTime: SimTime, rejections: Rejection[]): void {
    const sentAt = bidTime - MEMBER_LEAD_MS;
    const sent: Array<{ aggregator: number; curve: MemberCurve; message: Message }> = [];
    for (const [aggregator, list] of curves) {
      const to = this.input.parties[aggregator]!.id;
      for (const curve of list) {
        const m = this.send({ type: 'member-curve', from: curve.memberId, to, sizeBytes: MESSAGE_BYTES.header + MESSAGE_BYTES.perSegment * curve.segments.length, sentAtMs: sentAt, deadlineMs: bidTime }, { kind: 'member-curve', curve });
        sent.push({ aggregator, curve, message: m });
      }
    }
    this.curvesArrived.clear();
    this.plane.advanceTo(bidTime, this);
    for (const s of sent) {
      if (this.curvesArrived.has(s.message)) continue;
      this.counts.memberCurvesMissed++;
      const list = curves.get(s.aggregator)!;
      list.splice(list.indexOf(s.curve), 1);
      rejections.push({ bidId: `${s.curve.memberId}@${interval.index}`, agentId: s.curve.memberId, interval: interval.index, code: 'gate-closed', reason: `curve not delivered to aggregator '${this.input.parties[s.aggregator]!.id}' by its gate ${formatSimTime(bidTime)}: still in transit or lost on the communication plane (see messages.csv)` });
    }
    this.curvesArrived.clear();
  }

  /**
   * Each aggregator's split of its award back to its members, sent at the gate with the
   * interval start as deadline: a member acts on its share only when it has received it by
   * then (`memberSetpoints`).
   */
  memberAwards(aggregator: string, members: readonly number[], interval: MarketInterval): void {
    for (const i of members) {
      this.send({ type: 'member-award', from: aggregator, to: this.input.parties[i]!.id, sizeBytes: MESSAGE_BYTES.award, sentAtMs: interval.gateClosure, deadlineMs: interval.start }, { kind: 'member-award', party: i, interval: interval.index });
      this.memberAwardsSent.push(i);
    }
  }

  /**
   * Phase 5a, what the members do (see MEMBER_FALLBACK): a member whose award reached it by the
   * interval start follows its share (its position in `ledger`); one whose award is late or
   * lost falls back to the schedule it last followed (none yet: no response, 0 kW), while
   * its position stays the share the aggregator committed for it, so the difference is its
   * imbalance and the aggregator's shortfall against its award. Call once per interval,
   * after `commands` (the plane has then run past the interval start), before the agents are
   * given their setpoints; returns per party whether it falls back and to what (quanta).
   */
  memberSetpoints(interval: MarketInterval, ledger: IntervalLedger): MemberFallback {
    const f = this.memberFallback;
    f.missed.fill(0);
    for (const i of this.memberAwardsSent) {
      const buy = ledger.buyQuanta[i]!;
      const sell = ledger.sellQuanta[i]!;
      if (this.memberAwardOnTime[i] === interval.index) {
        f.buyQuanta[i] = buy;
        f.sellQuanta[i] = sell;
        continue;
      }
      f.missed[i] = 1;
      this.counts.memberAwardsMissed++;
      this.counts.memberAwardDeviationKwh += Math.abs(f.buyQuanta[i]! - f.sellQuanta[i]! - (buy - sell)) * ledger.quantumKw * interval.durationH;
    }
    this.memberAwardsSent = [];
    return f;
  }

  /**
   * Phase 3b, price broadcasts: once interval `interval` has cleared (at its gate), the market
   * sends its prices (and the forecast published with them) to every party in `to` (an agent
   * trading itself, a member, an intermediary), a retailer its tariff signal to each of its
   * customers (`retailerOf`). Each is due at the next interval's bid time; what a party has
   * received by then is what it bids on (`pricesKnownAt`).
   */
  prices(interval: MarketInterval, to: readonly number[], retailerOf: (party: number) => string | undefined): void {
    const due = interval.gateClosure + this.intervalMs - minutesToMs(1);
    const ep = this.table.endpoints;
    for (const i of to) {
      const retailer = retailerOf(i);
      // ~10,000 an interval: table rows, not message objects. The sender's endpoint is looked up before the receiver's, as `send` did.
      const from = retailer === undefined ? this.marketEndpoint : ep.id(retailer);
      this.sendIndexed(PRICE_ROUTE.type, PRICE_ROUTE.cls, this.intermediary[i] ? RP4 : PRICE_ROUTE.rp, from, this.ownEndpoint(i), MESSAGE_BYTES.price, interval.gateClosure, due, PRICE, i, interval.index);
    }
  }

  /**
   * The newest interval whose prices `party` had received by `atMs` (−1: none yet). Exact for
   * the bid times the engine asks about: the plane has run at least to them, and at most one
   * broadcast can have arrived since (one is sent per interval).
   */
  pricesKnownAt(party: number, atMs: number): number {
    return this.priceNewestAt[party]! <= atMs ? this.priceNewest[party]! : this.pricePrevious[party]!;
  }

  /** Counts a bid made on prices older than the newest published (the engine's views call it). */
  staleView(): void {
    this.counts.staleViews++;
  }

  /**
   * Phase 5a, flexibility reports on the plane: each reporting agent (`REPORTING_KINDS`, from
   * `GridRoom.flexibilityReports`) sends its operator, at the gate (when it knows its schedule),
   * what it could change of its planned net consumption this interval; the operator decides at
   * the interval start. The plane runs to that start, and the returned lookup gives, per party,
   * the newest report its operator has received by then: this interval's when on time, an older
   * one when this one is late or lost (the operator then acts on stale figures), `null` when none
   * has ever arrived (the operator does not dispatch an agent it has never heard from), undefined
   * for a party that does not report.
   */
  reports(interval: MarketInterval, reports: ReadonlyArray<{ readonly party: number; readonly kind: string; readonly plannedNetKw: number; readonly availableKw: number }>, quantumKw: number): (party: number) => ReportedFlexibility | null | undefined {
    const ep = this.table.endpoints;
    for (const r of reports) {
      const operator = this.input.operatorOf[r.party];
      if (operator === undefined) continue;
      const ev = r.kind === 'ev';
      const slot = this.sendRow('report', this.partyEndpoint(r.party, this.input.parties[r.party]!.id), ep.id(operator), MESSAGE_BYTES.report, interval.gateClosure, interval.start, REPORT, ev ? 'RP3' : undefined, ev ? 'electric-transportation' : undefined);
      this.table.i32[16 * slot + I_TAG] = r.party;
      this.table.i32[16 * slot + I_BATCH] = interval.index;
      if (2 * slot + 1 >= this.reportKw.length) {
        this.reportKw = grown(this.reportKw, Math.max(2 * slot + 2, 2 * this.reportKw.length));
      }
      this.reportKw[2 * slot] = r.plannedNetKw;
      this.reportKw[2 * slot + 1] = r.availableKw;
      this.reporting[r.party] = 1;
    }
    if (reports.length > 0) this.plane.advanceTo(interval.start, this);
    return (party) => {
      if (!this.reporting[party]) return undefined;
      const made = this.reportNewest[party]!;
      return made < 0 ? null : { interval: made, plannedNetKw: this.reportPlannedKw[party]!, availableKw: this.reportAvailableKw[party]!, quantumKw };
    };
  }

  /**
   * The day-ahead results on the plane, sent at the auction's gate (`atMs`) once it has cleared:
   * to every party in `to` (an agent trading itself or a member — from its aggregator — and each
   * intermediary) its bus's day-ahead prices and its position for the delivery day, 16 B per
   * interval; to an agent that operates to a schedule (`schedule`: storage, EVs) its schedule
   * too. Due at the first delivery interval's earliest bid time. What a late or lost result
   * changes: an agent operates to its schedule only from the first interval whose bids it makes
   * after the schedule arrived (`dayAheadSchedulesDue`); before that, or for ever when it is
   * lost, it trades on its own real-time strategy, as an agent without a schedule does, and its
   * day-ahead position (the market's record, binding whatever the message) settles against what
   * it does at real-time prices. Prices alone change nothing a party does (none bids on them).
   */
  dayAheadResults(atMs: number, firstInterval: MarketInterval, intervalCount: number, to: ReadonlyArray<{ readonly party: number; readonly from: string; readonly schedule?: ReadonlyMap<number, number> | undefined }>): void {
    const due = this.earliestBidTime(firstInterval);
    const ep = this.table.endpoints;
    for (const r of to) {
      const p = this.input.parties[r.party]!;
      // A battery's or a generator's results over DER and storage (RP1), as its offers; a car's over electric transportation (RP3), as its reports; an intermediary's over RP4.
      const route: [ReferencePoint | undefined, ApplicationClass | undefined] = OFFER_KINDS.has(p.kind) ? ['RP1', 'der-storage'] : p.kind === 'ev' ? ['RP3', 'electric-transportation'] : p.role === 'agent' ? [undefined, undefined] : ['RP4', undefined];
      const slot = this.sendRow('da-result', ep.id(r.from), this.partyEndpoint(r.party, p.id), MESSAGE_BYTES.header + MESSAGE_BYTES.perSegment * intervalCount, atMs, due, DA_RESULT, route[0], route[1]);
      this.table.i32[16 * slot + I_TAG] = r.party;
      this.daInFlight++;
      if (r.schedule !== undefined) this.scheduleOf.set(slot, r.schedule);
    }
  }

  /**
   * Before interval `interval`'s bids: hands each day-ahead schedule that has arrived to its
   * agent (`hand`), for the intervals from this one on; the intervals it arrived too late for
   * are counted (`dayAheadScheduleIntervalsMissed`). While results are in flight the plane first
   * runs to this interval's earliest bid time, so what arrived by then counts.
   */
  dayAheadSchedulesDue(interval: MarketInterval, hand: (party: number, schedule: ReadonlyMap<number, number>) => void): void {
    if (this.daInFlight > 0) this.plane.advanceTo(this.earliestBidTime(interval), this);
    if (this.schedulesArrived.length === 0) return;
    for (const a of this.schedulesArrived) {
      const ahead = new Map<number, number>();
      for (const [k, kw] of a.schedule) {
        if (k >= interval.index) ahead.set(k, kw);
        else this.counts.dayAheadScheduleIntervalsMissed++;
      }
      hand(a.party, ahead);
    }
    this.schedulesArrived = [];
  }

  /** The first bid time of an interval: the members' curves' when there are aggregators, else the bids'. */
  private earliestBidTime(interval: MarketInterval): number {
    return interval.gateClosure - minutesToMs(1) - (this.hasMembers ? MEMBER_LEAD_MS : 0);
  }

  /** Counts the commands planned on a report older than their interval's, and the flexibility the operator counted on but did not get. */
  private reportDecisions(records: readonly CommandRecord[], interval: MarketInterval, events: GridEvent[]): void {
    for (const r of records) {
      if (r.report === undefined) continue;
      const gotKw = r.response === 'opt-in' ? -r.deliverKw : 0;
      const missingKw = Math.max(0, -r.report.expectedKw - gotKw);
      this.counts.flexibilityOverestimatedKwh += missingKw * interval.durationH;
      if (r.report.interval === interval.index) continue;
      this.counts.decisionsOnStaleReports++;
      events.push({ at: interval.start, issuer: r.command.issuer, target: r.command.target, type: 'DISPATCH_ON_STALE_REPORT', requestedKw: r.requestedKw, response: r.response, deliveredKw: r.deliverKw, detail: `planned on the report of interval ${r.report.interval} (this interval's had not arrived): counted on ${r.report.expectedKw.toFixed(3)} kW, the agent committed ${(-gotKw).toFixed(3)} kW` });
    }
  }

  /** The market's answer to every bid in the book, sent at the gate (logged; see the module note). */
  awards(bids: readonly PartyBid[], interval: MarketInterval): void {
    const market = this.marketEndpoint;
    const batch = this.bidBatch;
    let block = 0;
    for (let i = 0; i < bids.length; i++) {
      if (i === block) block = this.loadBids(bids, i);
      const bid = bids[i]!;
      const party = bid.party;
      // A bid of this gate was sent from its party's endpoint (`gateBids`): no name to compare again.
      const to = this.bidEndpointBatch[party] === batch ? this.bidEndpoint[party]! : this.partyEndpoint(party, bid.agentId);
      this.sendIndexed(AWARD_ROUTE.type, AWARD_ROUTE.cls, AWARD_ROUTE.rp, market, to, MESSAGE_BYTES.award, interval.gateClosure, interval.start, AWARD, 0, 0);
    }
  }

  /**
   * Loads the next BID_BLOCK bid objects from `from` together, returns where the block ends. The
   * bids were made during the agents' bidding (or before clearing), so by the time the plane sends
   * them (or their awards) they are seldom in the cache; read one by one, each bid's miss stalls its
   * send, loaded in blocks their misses overlap in one wait.
   */
  private loadBids(bids: readonly PartyBid[], from: number): number {
    const to = Math.min(bids.length, from + BID_BLOCK);
    let x = 0;
    for (let j = from; j < to; j++) x ^= bids[j]!.party;
    this.touched ^= x;
    return to;
  }

  /** What `loadBids` read (kept so that its loads are not optimised away). */
  touched = 0;

  /** The faults the grid room still handles itself: forged commands travel on the plane instead. */
  roomFaults(faults: readonly Fault[]): Fault[] {
    return faults.filter((f) => f.type !== 'forged-command');
  }

  /**
   * Phase 5b, commands on the plane: every opted-in command is signed and sent at the
   * interval start; forged and replayed commands of the interval's faults are sent too.
   * Runs the plane until each genuine command is resolved (or to the interval end), then
   * scales `ledger.commandedQuanta` by the share of the interval each was in force.
   * Returns the records as the DR settlement should see them (effective commitments) and events.
   */
  commands(records: readonly CommandRecord[], interval: MarketInterval, ledger: IntervalLedger): { records: CommandRecord[]; events: GridEvent[] } {
    const events: GridEvent[] = [];
    this.reportDecisions(records, interval, events);
    const sent: Array<{ record: CommandRecord; message: Message; duringOutage: boolean }> = [];
    this.commandArrivals.clear();
    // Every answered command travels (an agent must receive the event to opt out of it); only opt-ins change what agents do.
    const asked: Array<{ record: CommandRecord; message: Message }> = [];
    for (const r of records) {
      if (r.response === 'lost') {
        // A comms-loss fault cut the agent off (the operator saw it unreachable and asked others): a lost row, counted in lostCommands.
        const ep = this.table.endpoints;
        this.sendRow('curtail', ep.id(r.command.issuer), ep.id(r.command.target), MESSAGE_BYTES.command, interval.start, interval.start + COMMAND_DEADLINE_MS, LOST_COMMAND, undefined, undefined, true);
        continue;
      }
      if (r.response !== 'opt-in' && r.response !== 'opt-out') continue;
      const issuer = r.command.issuer;
      let signer = this.signers.get(issuer);
      if (!signer) this.signers.set(issuer, (signer = new CommandSigner(this.keysOf(issuer))));
      // A setpoint's payload names no type (the messages of setpoints are as they were before caps existed).
      // Frozen: its signed text is then made once, at signing, not again when the receiver checks it (comms/security/signedCommand.ts).
      const payload: CommandPayload = Object.freeze({ eventId: r.command.eventId, target: r.command.target, intervalStart: interval.start, ...(r.command.type === 'DISPATCH_SETPOINT' ? {} : { type: r.command.type }), valueKw: r.command.value, deliverKw: r.deliverKw });
      const envelope = signer.sign(payload, interval.start);
      if (r.response === 'opt-in') this.captured.set(r.party, envelope);
      const m = this.send({ idHint: `cmd:${r.command.eventId}:${r.command.target}`, type: 'curtail', from: issuer, to: r.command.target, sizeBytes: MESSAGE_BYTES.command, sentAtMs: interval.start, deadlineMs: interval.start + COMMAND_DEADLINE_MS }, { kind: 'command', envelope, receiver: r.party, genuine: true });
      if (r.response === 'opt-in') sent.push({ record: r, message: m, duringOutage: this.linkDownAt(m) });
      asked.push({ record: r, message: m });
    }
    for (const f of this.input.faults) {
      if (f.type === 'forged-command' && timeOf(f.at) >= interval.start && timeOf(f.at) < interval.end) {
        const target = this.indexOf.get(f.target);
        if (target === undefined) continue;
        // The forger signs with its own key, whatever issuer it claims to be.
        const forger = new CommandSigner({ ...this.keysOf(`forger:${f.issuer}`), party: f.issuer });
        const envelope = forger.sign({ eventId: `forged-${f.issuer}`, target: f.target, intervalStart: interval.start, valueKw: f.valueKw, deliverKw: f.valueKw }, timeOf(f.at));
        this.send({ idHint: `forged:${f.issuer}:${f.target}`, type: 'curtail', from: f.issuer, to: f.target, sizeBytes: MESSAGE_BYTES.command, sentAtMs: timeOf(f.at) }, { kind: 'command', envelope, receiver: target, genuine: false });
      }
      if (f.type === 'replayed-command' && timeOf(f.at) >= interval.start && timeOf(f.at) < interval.end) {
        const target = this.indexOf.get(f.target);
        const copy = target === undefined ? undefined : this.captured.get(target);
        if (target === undefined || copy === undefined) {
          events.push({ at: interval.start, issuer: 'attacker', target: f.target, type: 'REPLAYED_COMMAND', response: 'nothing-to-replay', detail: 'no genuine command to this agent was captured before the replay time' });
          continue;
        }
        this.send({ idHint: `replay:${copy.nonce}`, type: 'curtail', from: copy.issuer, to: f.target, sizeBytes: MESSAGE_BYTES.command, sentAtMs: timeOf(f.at) }, { kind: 'command', envelope: copy, receiver: target, genuine: false });
      }
    }
    const resolved = (): boolean => sent.every((s) => this.commandArrivals.has(s.message) || !this.pending.has(s.message));
    // The answers: each agent replies (opt-in or opt-out) on the next whole second after its command arrives and verifies;
    // the plane advances in such steps until every command and reply is settled or the operator's reply window closes.
    this.repliesOnTime.clear();
    const replyDeadline = Math.min(interval.start + REPLY_WINDOW_MS, interval.end);
    if (asked.length > 0) {
      const toReply = new Set(asked);
      const replies: Message[] = [];
      let t = Math.max(interval.start, this.plane.nowMs);
      const open = (): boolean => [...toReply].some((a) => this.pending.has(a.message) || this.commandArrivals.has(a.message)) || replies.some((m) => this.pending.has(m));
      while (open() && t < replyDeadline) {
        t = Math.min(t + REPLY_STEP_MS, replyDeadline);
        this.plane.advanceTo(t, this);
        for (const a of [...toReply]) {
          if (this.pending.has(a.message)) continue;
          toReply.delete(a);
          if (!this.commandArrivals.has(a.message)) continue; // lost or rejected: nothing to answer
          const optOut = a.record.response === 'opt-out';
          replies.push(this.send({ type: optOut ? 'opt-out' : 'opt-in', from: a.record.command.target, to: a.record.command.issuer, sizeBytes: MESSAGE_BYTES.reply, sentAtMs: t, deadlineMs: replyDeadline }, { kind: 'reply', party: a.record.party, eventId: a.record.command.eventId, optOut }));
        }
      }
    }
    // Run to the next messages the engine sends (the members' curves, else the next bids), further only if a command is still in flight.
    const nextBidTime = interval.end - minutesToMs(this.input.gateClosureMinutes) - minutesToMs(1) - (this.hasMembers ? MEMBER_LEAD_MS : 0);
    this.plane.advanceTo(Math.max(interval.start, Math.min(interval.end, nextBidTime)), this);
    if (!resolved()) this.plane.advanceTo(interval.end, this);

    // Per party: Σ effective / Σ committed over its commands (one command: its share in force).
    const scaled = new Map<number, { committed: number; effective: number }>();
    // Silence is consent (see REPLY_WINDOW_MS): an opt-out the operator has not heard by the window's end counts as an opt-in at the value asked.
    const out: CommandRecord[] = [];
    for (const r of records) {
      if (r.response === 'opt-in') continue;
      if (r.response !== 'opt-out' || this.repliesOnTime.has(r.command.eventId)) {
        out.push(r);
        continue;
      }
      const askedKw = r.requestedKw;
      this.counts.optOutsCountedIn++;
      out.push({ ...r, response: 'opt-in', deliverKw: askedKw, reason: `${r.reason}; its opt-out did not reach ${r.command.issuer} by ${formatSimTime(simTime(replyDeadline))}: counted as opted in` });
      events.push({ at: interval.start, issuer: r.command.target, target: r.command.issuer, type: 'OPT_OUT_LATE', requestedKw: askedKw, response: 'counted-opt-in', deliveredKw: 0, detail: `the opt-out was late, lost or never sent (its command did not arrive): the operator settles the agent as committed to ${askedKw} kW` });
    }
    for (const s of sent) {
      const r = s.record;
      const at = this.commandArrivals.get(s.message);
      const inForce = at === undefined ? 0 : Math.min(1, Math.max(0, (interval.end - at) / (interval.end - interval.start)));
      const effectiveKw = r.deliverKw * inForce;
      const sc = scaled.get(r.party) ?? { committed: 0, effective: 0 };
      sc.committed += r.deliverKw;
      sc.effective += effectiveKw;
      scaled.set(r.party, sc);
      // Magnitudes: a charge command commits more consumption (> 0), a reduction less (< 0).
      const lostKwh = (Math.abs(r.deliverKw) - Math.abs(effectiveKw)) * interval.durationH;
      this.counts.drCommittedKwh += Math.abs(r.deliverKw) * interval.durationH;
      this.counts.drLostToLatencyKwh += lostKwh;
      if (s.duringOutage) {
        this.counts.outage.commandsAffected++;
        this.counts.outage.drLostKwh += lostKwh;
      }
      this.commandsOut.push({ party: r.party, target: r.command.target, issuer: r.command.issuer, latencyMs: at === undefined ? undefined : at - interval.start, inForce, committedKw: r.deliverKw, effectiveKw, duringOutage: s.duringOutage });
      if (inForce >= 1) out.push(r);
      else if (inForce > 0) out.push({ ...r, deliverKw: effectiveKw, reason: `${r.reason}; in force ${(inForce * 100).toFixed(1)} % of the interval (delivered ${((at! - interval.start) / 1000).toFixed(3)} s after its start)` });
      else out.push({ ...r, response: 'lost', deliverKw: 0, reason: `${r.reason}; never in force: not delivered within the interval, or rejected by the agent (see messages.csv)` });
      if (inForce < 1) {
        events.push({ at: interval.start, issuer: r.command.issuer, target: r.command.target, type: inForce > 0 ? 'COMMAND_LATE' : 'COMMAND_NOT_IN_FORCE', requestedKw: r.deliverKw, response: inForce > 0 ? 'late' : 'lost', deliveredKw: effectiveKw, detail: inForce > 0 ? `delivered ${((at! - interval.start) / 1000).toFixed(3)} s after the interval start: in force ${(inForce * 100).toFixed(1)} % of it` : 'lost, rejected or delivered after the interval on the communication plane' });
      }
    }
    for (const [i, sc] of scaled) if (sc.committed !== 0) ledger.commandedQuanta[i] = Math.round((ledger.commandedQuanta[i]! * sc.effective) / sc.committed);
    appendAll(events, this.verdictEvents.splice(0));
    return { records: out, events };
  }

  private readonly verdictEvents: GridEvent[] = [];
  /** The quality of the MDMS intervals the retail bills used (set at run end, when bills are made from the MDMS). */
  private billed: Record<ReadQuality, number> = { actual: 0, interpolated: 0, estimated: 0, missing: 0 };

  /**
   * Phase 6b, meter reads on the plane: one sealed read per metered party at the interval end
   * (its metered net), to the MDMS; a `tampered-read` fault alters one in transit.
   */
  meterReads(interval: MarketInterval, ledger: IntervalLedger, hasMeter: Uint8Array, parties: readonly Party[]): void {
    const q = ledger.quantumKw;
    const tampered = this.input.faults.some((f) => f.type === 'tampered-read' && timeOf(f.at) >= interval.start && timeOf(f.at) < interval.end);
    if (this.meterSeal.length < parties.length) this.growMeters(parties.length);
    const intervalMs = interval.end - interval.start;
    const batch = this.readBatches++;
    if (batch === this.readBatchStart.length) {
      this.readBatchStart = grown(this.readBatchStart, 2 * batch);
      this.readBatchMs = grown(this.readBatchMs, 2 * batch);
    }
    this.readBatchStart[batch] = interval.start;
    this.readBatchMs[batch] = intervalMs;
    for (let i = 0; i < parties.length; i++) {
      if (!hasMeter[i]) continue;
      const a = ledger.actualQuanta[i]!;
      if (Number.isNaN(a)) continue;
      const party = parties[i]!;
      if (this.meterParty[i] !== party) this.meterOf(i, party);
      // The read `meterRead` gives (no voltage here), as numbers: no object per read.
      const kwh = meterReadKwh(this.meterIds[i]!, intervalMs, a * q);
      const importKwh = Math.max(kwh, 0);
      const exportKwh = Math.max(-kwh, 0);
      const slot = this.sendIndexed(READ_ROUTE.type, READ_ROUTE.cls, READ_ROUTE.rp, this.meterEndpoint[i]!, this.mdmsEndpoint, MESSAGE_BYTES.meterRead, interval.end, NaN, READ, i, batch);
      if (8 * slot >= this.readMacs.length) {
        // The seals batched so far go to the MAC array being replaced.
        this.seals.flush();
        this.growReads(slot);
      }
      // Sealed by the meter as sent (batched: the MAC is in place by the flush below); a tampering fault then alters the import in transit.
      this.seals.sealLater(this.meterSeal[i]!, interval.start, intervalMs, importKwh, exportKwh, NaN, this.readMacs, 8 * slot);
      const sentImport = tampered && this.tampered(party.id, interval) ? importKwh + 1 : importKwh;
      this.readKwh[2 * slot] = sentImport;
      this.readKwh[2 * slot + 1] = exportKwh;
      // The read's bytes are final from here on: the MDMS may compute the MAC it will expect ahead (metering/mdms.ts `expectSealed`; its verdict is still made on delivery).
      this.mdms.expectSealed(this.meterMdms[i]!, interval.start, intervalMs, sentImport, exportKwh, NaN);
    }
    this.seals.flush();
  }

  private growReads(slot: number): void {
    const n = Math.max(slot + 1, this.readMacs.length / 4);
    this.readKwh = grown(this.readKwh, 2 * n);
    this.readMacs = grown(this.readMacs, 8 * n);
  }

  /**
   * Party `i`'s meter (`meters[i]`), made or remade when the party at `i` is not the one it was
   * made for; its endpoint, seal and id also as `meterEndpoint`, `meterSeal`, `meterIds` (sized
   * by `growMeters`), which the reads of each interval take without touching the meter object.
   */
  private meterOf(i: number, party: Party): void {
    let m = this.meters[i];
    if (m === undefined || m.party !== party.id) {
      const id = meterIdFor(party.id);
      let key = this.macKeys.get(id);
      let seal = this.sealOf.get(id);
      if (!key) this.macKeys.set(id, (key = meterMacKey(this.input.seed, id)));
      if (seal === undefined) this.sealOf.set(id, (seal = this.seals.add(id, key)));
      this.meters[i] = m = { party: party.id, id, endpoint: this.table.endpoints.id(id), seal, mdms: this.mdms.meterHandle(id) };
    }
    this.meterParty[i] = party;
    this.meterIds[i] = m.id;
    this.meterEndpoint[i] = m.endpoint;
    this.meterSeal[i] = m.seal;
    this.meterMdms[i] = m.mdms;
  }

  private growMeters(n: number): void {
    this.meterEndpoint = grown(this.meterEndpoint, n);
    this.meterSeal = grown(this.meterSeal, n);
    this.meterMdms = grown(this.meterMdms, n);
  }

  /** Per party index: the party `meterOf` last made its meter's numbers for (compared by identity), and those numbers. */
  private readonly meterParty: (Party | undefined)[] = [];
  private readonly meterIds: string[] = [];
  private meterEndpoint = new Int32Array(0);
  private meterSeal = new Int32Array(0);
  /** Per party index: its meter's handle in the MDMS (read per delivered read, without the meter object). */
  private meterMdms = new Int32Array(0);

  private tampered(agent: string, interval: MarketInterval): boolean {
    for (const f of this.input.faults) if (f.type === 'tampered-read' && f.agent === agent && timeOf(f.at) >= interval.start && timeOf(f.at) < interval.end) return true;
    return false;
  }

  /** Index of a status text in messages.csv's statuses (a receiver's verdict is added on its first use). */
  private statusIndex(text: string): number {
    let k = this.statusText.indexOf(text);
    if (k < 0) {
      k = this.statusText.push(text) - 1;
      this.byStatus.push(0);
    }
    return k;
  }

  /**
   * The plane's look-ahead (`PlaneOwner`). Besides its record, a read's finish reads its numbers and MAC (by slot) and
   * its meter's MDMS handle, a price's its party's newest price (by party, in random order): loaded ahead with the
   * block they arrive in.
   */
  aheadOfFinish(slot: number): number {
    const kind = this.table.u8[RECORD_BYTES * slot + B_KIND];
    if (kind === READ) return this.readMacs[8 * slot]! ^ (this.readKwh[2 * slot]! | 0) ^ this.meterMdms[this.table.i32[16 * slot + I_TAG]!]!;
    if (kind === PRICE) return this.priceNewest[this.table.i32[16 * slot + I_TAG]!]!;
    return 0;
  }

  /** A finished delivery (slot of the plane's table; `PlaneOwner`): the receiver acts on it, and it becomes a row of messages.csv. */
  finished(slot: number): void {
    const tab = this.table;
    // The slot's record (messageTable.ts): its fields lie together, read here and by the log as it finishes.
    const b = RECORD_BYTES * slot;
    const w = 16 * slot;
    const d = 8 * slot;
    const u8 = tab.u8;
    const i32 = tab.i32;
    const planeStatus = u8[b + B_STATUS]!;
    let status = planeStatus;
    const deliveredAtMs = tab.f64[d + F_DELIVERED_AT]!;
    const delivered = deliveredAtMs === deliveredAtMs;
    switch (u8[b + B_KIND]) {
      case BID:
        if (planeStatus === DELIVERED) {
          if (i32[w + I_BATCH] === this.bidBatch) this.bidArrived[i32[w + I_TAG]!] = 1;
        } else if (planeStatus === LATE) this.counts.lateBids++;
        else this.counts.lostBids++;
        break;
      case AWARD:
        break;
      case LOST_COMMAND:
        this.counts.lostCommands++;
        break;
      case PRICE: {
        if (planeStatus !== DELIVERED) this.counts.pricesLate++;
        const party = i32[w + I_TAG]!;
        const carried = i32[w + I_BATCH]!;
        if (delivered && carried > this.priceNewest[party]!) {
          this.pricePrevious[party] = this.priceNewest[party]!;
          this.priceNewest[party] = carried;
          this.priceNewestAt[party] = deliveredAtMs;
        }
        break;
      }
      case READ:
        status = this.finishedRead(slot, delivered, status);
        break;
      case REPORT: {
        // Late reports count too once they arrive: the operator keeps the newest it has received.
        if (planeStatus !== DELIVERED) this.counts.reportsLate++;
        const party = i32[w + I_TAG]!;
        const made = i32[w + I_BATCH]!;
        if (delivered && made > this.reportNewest[party]!) {
          this.reportNewest[party] = made;
          this.reportPlannedKw[party] = this.reportKw[2 * slot]!;
          this.reportAvailableKw[party] = this.reportKw[2 * slot + 1]!;
        }
        break;
      }
      case DA_RESULT: {
        this.daInFlight--;
        if (planeStatus !== DELIVERED) this.counts.dayAheadResultsLate++;
        const schedule = this.scheduleOf.get(slot);
        this.scheduleOf.delete(slot);
        if (schedule !== undefined) {
          if (delivered) this.schedulesArrived.push({ party: i32[w + I_TAG]!, schedule, atMs: deliveredAtMs });
          else this.counts.dayAheadScheduleIntervalsMissed += schedule.size;
        }
        break;
      }
      case MESSAGE: {
        const message = this.messageOf[slot]!;
        this.messageOf[slot] = undefined;
        status = this.statusIndex(this.finishedMessage({ message, link: this.plane.linkId(i32[w + I_LINK]!), deliveredAtMs: delivered ? deliveredAtMs : undefined, attempts: tab.attempts(slot), status: DELIVERY_STATUSES[planeStatus]! }));
        break;
      }
    }
    // The report's latency per class counts what was delivered or late and kept: not what its receiver rejected
    // (a replayed or forged command, a tampered read), whose status is then the receiver's verdict.
    if (delivered && status === planeStatus) this.sample(u8[b + B_CLASS]!, deliveredAtMs - tab.f64[d + F_SENT_AT]!);
    this.byStatus[status]!++;
    this.byType[u8[b + B_TYPE]!]!++;
    const link = i32[w + I_LINK]!;
    this.log.row(tab, slot, this.statusText[status]!, link < 0 ? undefined : this.plane.linkId(link));
  }

  /** A meter read reached the MDMS (or not): stored, or rejected with the MDMS's reason; returns the row's status. */
  private finishedRead(slot: number, delivered: boolean, status: number): number {
    if (delivered) {
      const i32 = this.table.i32;
      const party = i32[16 * slot + I_TAG]!;
      const batch = i32[16 * slot + I_BATCH]!;
      const start = this.readBatchStart[batch]!;
      const kwh = this.readKwh;
      const reason = this.mdms.ingestSealed(this.meterMdms[party]!, start, this.readBatchMs[batch]!, kwh[2 * slot]!, kwh[2 * slot + 1]!, NaN, this.readMacs, 8 * slot);
      if (reason) {
        const meterId = this.meters[party]!.id;
        status = this.statusIndex(reason === 'tampered' || reason === 'unsealed' ? 'rejected-mac' : 'rejected-read');
        const text = this.statusText[status]!;
        if (text === 'rejected-mac') this.counts.attacksRejected++;
        this.counts.readsRejected.set(reason, (this.counts.readsRejected.get(reason) ?? 0) + 1);
        this.verdictEvents.push({ at: simTime(start), issuer: meterId, target: 'mdms', type: 'METER_READ_REJECTED', response: text, detail: `${reason}: the MDMS rejected the read of ${formatSimTime(simTime(start))}` });
      } else this.counts.readsStored++;
    } else if (this.slotLinkDown(slot)) this.counts.outage.readsAffected++;
    return status;
  }

  /** A finished message sent with `send`: its receiver acts on it; returns its status in messages.csv (the plane's, or the receiver's verdict). */
  /**
   * The start of the run's interval holding the instant `ms` (the last one for an arrival after the run's end): on the
   * run's grid from its start, not the epoch's (fuzz --feeder seed 20041: an attack at 02:30:30 in hourly intervals from
   * :30 was stamped 02:00, no interval of the run).
   */
  private intervalHolding(ms: number): SimTime {
    const k = Math.min(Math.max(0, Math.floor((ms - this.input.runStart) / this.intervalMs)), this.intervalsInRun - 1);
    return simTime(this.input.runStart + k * this.intervalMs);
  }

  private finishedMessage(r: DeliveryRecord): string {
    const p = this.pending.get(r.message);
    this.pending.delete(r.message);
    let status: string = r.status;
    if (p?.kind === 'member-curve') {
      if (r.status === 'delivered') this.curvesArrived.add(r.message);
    } else if (p?.kind === 'member-award') {
      if (r.status === 'delivered') this.memberAwardOnTime[p.party] = p.interval;
    } else if (p?.kind === 'reply') {
      if (r.status === 'delivered') this.repliesOnTime.add(p.eventId);
      else this.counts.repliesLate++;
    } else if (p?.kind === 'command' && r.deliveredAtMs !== undefined) {
      const verdict = this.verifierOf(p.receiver).verify(p.envelope, r.deliveredAtMs, r.message.to);
      if (!verdict.ok) {
        status = statusOf(verdict.reason);
        if (p.genuine) this.counts.rejectedCommands++;
        else this.counts.attacksRejected++;
        this.verdictEvents.push({
          at: this.intervalHolding(r.deliveredAtMs),
          issuer: p.envelope.issuer,
          target: r.message.to,
          type: p.genuine ? 'COMMAND_REJECTED' : 'ATTACK_REJECTED',
          requestedKw: p.envelope.payload.valueKw,
          response: status,
          detail: `${verdict.reason}: ${verdict.detail}`,
        });
      } else if (p.genuine) {
        if (r.status === 'late') this.counts.lateCommands++;
        this.commandArrivals.set(r.message, r.deliveredAtMs);
      } else {
        // Only a copy of a genuine command whose original never verified can pass; it is reported, not acted on.
        this.counts.attacksAccepted++;
        this.verdictEvents.push({ at: this.intervalHolding(r.deliveredAtMs), issuer: p.envelope.issuer, target: r.message.to, type: 'ATTACK_ACCEPTED', requestedKw: p.envelope.payload.valueKw, response: 'accepted-not-acted-on', detail: 'a replayed copy verified (its original never arrived); the engine does not act on copies' });
      }
    } else if (p?.kind === 'command') {
      if (p.genuine) this.counts.lostCommands++;
    }
    return status;
  }

  /** Records one delivery latency (ms) of class `cls`. */
  private sample(cls: number, ms: number): void {
    const n = this.latencyCount[cls]!;
    let xs = this.latencySamples[cls];
    if (xs === undefined || n === xs.length) xs = this.growSamples(cls, n);
    xs[n] = ms;
    this.latencyCount[cls] = n + 1;
  }

  private growSamples(cls: number, n: number): Float64Array {
    return this.resizeSamples(cls, Math.max(1024, 2 * n));
  }

  private resizeSamples(cls: number, capacity: number): Float64Array {
    const xs = this.latencySamples[cls];
    const more = new Float64Array(capacity);
    if (xs) more.set(xs.subarray(0, this.latencyCount[cls]));
    return (this.latencySamples[cls] = more);
  }

  /**
   * At the end of interval `taken` of the run's `intervalsInRun`: each class's sample array is sized for the whole run
   * at the rate seen so far (a quarter more), so it is allocated about once instead of doubling ~12 times from 1024
   * (each doubling copied every sample and wrote into fresh pages; a few million samples a day made that ~70–100 ms).
   * Pages past the last sample are never written, so an estimate too high costs address space only; too low, and
   * `sample` doubles as before.
   */
  private reserveSamples(taken: number): void {
    const left = this.intervalsInRun - taken;
    if (taken <= 0 || left <= 0) return;
    for (let cls = 0; cls < this.latencyCount.length; cls++) {
      const n = this.latencyCount[cls]!;
      if (n === 0) continue;
      const needed = n + (n / taken) * left;
      if ((this.latencySamples[cls]?.length ?? 0) < needed) this.resizeSamples(cls, Math.ceil(1.25 * needed));
    }
  }

  /** Delivery latency samples (ms) per class, in the order delivered. */
  get latencyByClass(): ReadonlyMap<ApplicationClass, Float64Array> {
    const m = new Map<ApplicationClass, Float64Array>();
    this.latencySamples.forEach((xs, cls) => m.set(APPLICATION_CLASSES[cls]!, xs.subarray(0, this.latencyCount[cls])));
    return m;
  }

  private verifierOf(party: number): CommandVerifier {
    let v = this.verifiers.get(party);
    if (!v) {
      // Every operator serving its bus: a device obeys each of them where feeders overlap (agents/operations/conflicts.ts);
      // trusting only the first rejected every command of the others as from an unknown issuer.
      const first = this.input.operatorOf[party];
      const ops = this.input.operatorsOf?.[party] ?? (first === undefined ? [] : [first]);
      const trusted = new Map<string, KeyObject>();
      for (const op of ops) trusted.set(op, this.operatorKeys.get(op) ?? this.keysOf(op).publicKey);
      this.verifiers.set(party, (v = new CommandVerifier(trusted, { freshnessMs: this.freshnessMs })));
    }
    return v;
  }

  /** The interval's rows and command deliveries (and events of verdicts reached since the commands phase). */
  takeInterval(): IntervalComms & { events: GridEvent[] } {
    this.reserveSamples(++this.intervalsTaken);
    const out = { rows: this.log.take(), commands: this.commandsOut, events: this.verdictEvents.splice(0) };
    this.commandsOut = [];
    return out;
  }

  /** After the last interval: everything still in flight arrives (or is lost); the last rows and the run's figures. */
  finish(billing?: (mdms: Mdms) => Record<ReadQuality, number>): { rows: readonly MessageLogRow[]; events: GridEvent[]; summary: CommsSummary; linkStats: LinkStats[]; latencyByClass: ReadonlyMap<ApplicationClass, Float64Array>; elapsedMs: number } {
    this.plane.drain(this);
    // Bills, settlement and the summary read every meter's series over the run: computed once.
    return this.mdms.sharingSeries(() => {
      if (billing) this.billed = billing(this.mdms);
      return { rows: this.log.take(), events: this.verdictEvents.splice(0), summary: this.summary(), linkStats: this.plane.linkStats(), latencyByClass: this.latencyByClass, elapsedMs: this.input.runEnd - this.input.runStart };
    });
  }

  private summary(): CommsSummary {
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort(byKey));
    const used = (names: readonly string[], n: ArrayLike<number>): Map<string, number> => new Map(names.map((name, k) => [name, n[k] ?? 0] as const).filter(([, x]) => x > 0));
    const byStatus = used(this.statusText, this.byStatus);
    const byType = used(MESSAGE_TYPES, this.byType);
    const c = this.counts;
    const elapsed = this.input.runEnd - this.input.runStart;
    let estimated = 0;
    let missing = 0;
    for (const meter of this.mdms.meters()) {
      const e = this.mdms.energy(meter, this.input.runStart, this.input.runEnd);
      estimated += e.intervals.interpolated + e.intervals.estimated;
      missing += e.intervals.missing;
    }
    return {
      messages: [...byStatus.values()].reduce((a, b) => a + b, 0),
      messagesByStatus: sorted(byStatus),
      messagesByType: sorted(byType),
      lateBids: c.lateBids,
      lostBids: c.lostBids,
      lateCommands: c.lateCommands,
      lostCommands: c.lostCommands,
      rejectedCommands: c.rejectedCommands,
      attacksRejected: c.attacksRejected,
      attacksAccepted: c.attacksAccepted,
      drCommittedKwh: r3(c.drCommittedKwh),
      drEnergyLostToLatencyKwh: r3(c.drLostToLatencyKwh),
      meterReadsStored: c.readsStored,
      meterReadsRejected: sorted(c.readsRejected),
      meterIntervalsEstimated: estimated,
      meterIntervalsMissing: missing,
      billedIntervalsEstimated: this.billed.interpolated + this.billed.estimated,
      billedIntervalsMissing: this.billed.missing,
      sendsDeferred: c.sendsDeferred,
      pricesLate: c.pricesLate,
      bidsOnStalePrices: c.staleViews,
      memberCurvesMissedGate: c.memberCurvesMissed,
      // Only in runs with aggregators: the runs without keep their summary as it was.
      ...(this.hasMembers ? { memberAwardsMissed: c.memberAwardsMissed, memberAwardDeviationKwh: r3(c.memberAwardDeviationKwh) } : {}),
      repliesLate: c.repliesLate,
      optOutsCountedIn: c.optOutsCountedIn,
      reportsLate: c.reportsLate,
      dayAheadResultsLate: c.dayAheadResultsLate,
      dayAheadScheduleIntervalsMissed: c.dayAheadScheduleIntervalsMissed,
      decisionsOnStaleReports: c.decisionsOnStaleReports,
      flexibilityOverestimatedKwh: r3(c.flexibilityOverestimatedKwh),
      outageCost: { bidsMissedGate: c.outage.bidsMissed, commandsAffected: c.outage.commandsAffected, drEnergyLostKwh: r3(c.outage.drLostKwh), meterReadsLost: c.outage.readsAffected },
      linkUtilisationPct: Object.fromEntries(this.plane.linkStats().map((l) => [l.link, elapsed > 0 ? r3((100 * l.busyMs) / elapsed) : 0])),
    };
  }
}

export interface CommsSummary {
  readonly messages: number;
  readonly messagesByStatus: Record<string, number>;
  readonly messagesByType: Record<string, number>;
  readonly lateBids: number;
  readonly lostBids: number;
  readonly lateCommands: number;
  readonly lostCommands: number;
  readonly rejectedCommands: number;
  /** Forged and replayed commands and tampered reads rejected by their receivers (rejected genuine traffic excluded). */
  readonly attacksRejected: number;
  readonly attacksAccepted: number;
  readonly drCommittedKwh: number;
  readonly drEnergyLostToLatencyKwh: number;
  readonly meterReadsStored: number;
  readonly meterReadsRejected: Record<string, number>;
  readonly meterIntervalsEstimated: number;
  readonly meterIntervalsMissing: number;
  /** Customer-intervals of the retail bills filled by VEE (interpolated or like-day estimated) instead of an actual read. */
  readonly billedIntervalsEstimated: number;
  /** Customer-intervals of the retail bills with no read and no estimate (billed as zero energy). */
  readonly billedIntervalsMissing: number;
  readonly sendsDeferred: number;
  /** Price broadcasts (and retail tariff signals) delivered after the next bid time, or lost. */
  readonly pricesLate: number;
  /** Bids (and members' and customers' curves) made on prices older than the newest published, for want of a delivered broadcast. */
  readonly bidsOnStalePrices: number;
  /** Members' curves not delivered to their aggregator by its gate: left out of its bid. */
  readonly memberCurvesMissedGate: number;
  /** Members' awards (the aggregator's split) not received by the interval start: the member fell back to its last schedule (runs with aggregators only). */
  readonly memberAwardsMissed?: number;
  /** Σ |fallback schedule − share| × interval length over those, kWh: what the members did differently from the aggregator's award. */
  readonly memberAwardDeviationKwh?: number;
  /** Opt-in/opt-out replies not delivered within the operator's reply window. */
  readonly repliesLate: number;
  /** Opt-outs the operator did not hear in time, settled as opt-ins at the value asked. */
  readonly optOutsCountedIn: number;
  /** Day-ahead results not delivered by the first delivery interval's bid time, or lost. */
  readonly dayAheadResultsLate: number;
  /** Intervals of day-ahead schedules an agent did not operate to because the schedule had not arrived by their bid time (or was lost). */
  readonly dayAheadScheduleIntervalsMissed: number;
  /** Flexibility reports not delivered to the operator by its decision (the interval start), or lost. */
  readonly reportsLate: number;
  /** Commands the operator planned on a report older than the interval's own (it had not arrived). */
  readonly decisionsOnStaleReports: number;
  /** Σ (what the operator counted on from a report − what the agent committed) × Δt, kWh: flexibility it planned on and did not get. */
  readonly flexibilityOverestimatedKwh: number;
  readonly outageCost: { readonly bidsMissedGate: number; readonly commandsAffected: number; readonly drEnergyLostKwh: number; readonly meterReadsLost: number };
  readonly linkUtilisationPct: Record<string, number>;
}

/** How many bids `CommsRun.loadBids` loads together. */
const BID_BLOCK = 16;

/** Kinds whose bids are supply offers (DER and storage class, RP1). */
const OFFER_KINDS: ReadonlySet<string> = new Set(['generator', 'storage']);

const statusOf = (reason: RejectionReason): ReceiverStatus =>
  reason === 'replay' ? 'rejected-replay' : reason === 'stale' || reason === 'from-the-future' ? 'rejected-stale' : reason === 'wrong-target' ? 'rejected-target' : 'rejected-signature';

export type { MessageType };

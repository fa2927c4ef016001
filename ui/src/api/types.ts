//! The contract between this UI and the Rust shell (../docs/app-api.md). Every shape Rust sends
//! is GENERATED from the Rust types into ./generated (ts-rs; src-tauri/tests/ts_contract.rs fails
//! when they are stale, `UPDATE_CONTRACT=1` rewrites them) and only re-exported here, so `tsc`
//! checks every screen and the fake backend against what Rust really sends. Never copy a shape
//! by hand: alias the generated one. What stays written here is UI-only — the slug lists the
//! screens iterate over (each proven below to list exactly Rust's union), the arguments of each
//! command (Rust takes them as separate parameters, so ts-rs has no type for them), the command
//! and event maps, and the narrower unions for values Rust sends as a plain `string`.

import type * as G from './generated';

export type {
  AccidentOutcome,
  AccidentPhoto,
  AccidentVehicle,
  AssistanceKind,
  AssistanceRecord,
  BundleExported,
  CellId,
  City,
  CommandError,
  CurrentWindow,
  DayTally,
  DispatchCard,
  DispatchId,
  DispatchKind,
  DispatchNew,
  DispatchOrder,
  DispatchOutcome,
  DispatchState,
  DispatchStep,
  DispatchStepKind,
  Draft,
  DutyWindow,
  Enrolled,
  EntryId,
  EntryKind,
  GapCause,
  GpsHealth,
  GpsLevel,
  GridCell,
  GroupId,
  HistoryItem,
  Home,
  IncidentKind,
  IncidentOutcome,
  IncidentReport,
  Invalid,
  JsonValue,
  KindWaiting,
  LastShift,
  LatLon,
  LedgerChanged,
  LedgerRecord,
  LivePatrol,
  LostPersonOutcome,
  LostPersonReport,
  MapPack,
  MapPackView,
  OpenPatrol,
  PatrolGroup,
  PatrolId,
  PatrolMode,
  PatrolStart,
  PatrolStop,
  PhotoRef,
  PhotoSlot,
  Plate,
  PositionFix,
  Post,
  PostArrival,
  PostDeparture,
  PostDutyView,
  PostId,
  PostSuggestion,
  Quarantined,
  Receipt,
  Saved,
  SceneSuggestion,
  Settings,
  StepTimes,
  SuggestedAction,
  Supplement,
  SyncProgress,
  SyncQueueView,
  SyncState,
  Tier,
  TrackGap,
  TrackSegment,
  TrackSummary,
  TrackingState,
  TrafficAccidentReport,
  ValidationCode,
  VehicleKind,
  ViolationTally,
  ViolationType,
  VisitEvidence,
  VolunteerCategory,
  WindowMinutes,
} from './generated';

export type Ms = number;

// ---- the names docs/app-api.md uses for Rust's types ----

/** docs/app-api.md's `Reference`: Rust's `City`. */
export type Reference = G.City;
/** A patrol group of the reference data: Rust's `PatrolGroup`. */
export type Group = G.PatrolGroup;
/** docs/app-api.md's `Fix`: Rust's `PositionFix` (the `position` event, `OpenPatrol.last_fix`). */
export type Fix = G.PositionFix;
/** docs/app-api.md's `PostDuty`: Rust's `PostDutyView`. */
export type PostDuty = G.PostDutyView;
/** docs/app-api.md's `Dispatch`: Rust's `DispatchCard`. */
export type Dispatch = G.DispatchCard;
/** The officer's steps on a dispatch so far: Rust's `StepTimes` (every field sent, null when not yet). */
export type DispatchSteps = G.StepTimes;
/** The campaign's "1-3-5 minute" circle: Rust's `Tier`. */
export type DispatchTier = G.Tier;
/** `live_patrol`'s answer: Rust's `LivePatrol`. */
export type LiveRoute = G.LivePatrol;
/** The body of a `dispatch_step` ledger entry: Rust's `DispatchStep`. */
export type DispatchStepRecord = G.DispatchStep;
/** docs/app-api.md's `SyncQueue`: Rust's `SyncQueueView`. */
export type SyncQueue = G.SyncQueueView;

// ---- narrower unions for values Rust sends as a plain string ----

/** `Home.position_source` (Rust: `SourceKind::as_str`). */
export type PositionSource = 'gnss' | 'simulated' | 'gpx-replay' | 'none';
/** `Settings.language` (Rust: `dto::LANGUAGES`). */
export type Language = 'zh-CN' | 'en';
/** `SyncProgress.phase` (Rust: `dto::SyncProgress::phase`). */
export type SyncPhase = 'connecting' | 'reference' | 'uploading' | 'photos' | 'receipt' | 'done';
/** `VisitEvidence.source` and `PostDuty.arrival_source`. */
export type VisitSource = 'geofence' | 'manual';

// ---- the slug lists the screens iterate over ----
// Each `satisfies` proves a list names only members of Rust's union; `SlugListsComplete` below
// proves it names all of them.

export const VIOLATION_TYPES = [
  'drunk-driving',
  'no-helmet',
  'illegal-passenger',
  'umbrella-rig',
  'red-light',
  'illegal-parking',
  'jaywalking',
  'other-traffic',
] as const satisfies readonly G.ViolationType[];

export const PATROL_MODES = ['foot', 'car', 'motorcycle', 'e-bike', 'bicycle'] as const satisfies readonly G.PatrolMode[];

export const VOLUNTEER_CATEGORIES = [
  'patrol-team',
  'red-vest',
  'community-cadre',
  'grid-worker',
  'property-staff',
  'security-guard',
] as const satisfies readonly G.VolunteerCategory[];

export const VEHICLE_KINDS = [
  'car',
  'suv',
  'truck',
  'bus',
  'motorcycle',
  'e-bike',
  'bicycle',
  'tricycle',
  'pedestrian',
  'other',
] as const satisfies readonly G.VehicleKind[];

export const ASSISTANCE_KINDS = ['medical-escort', 'dispute-resolved', 'other-help'] as const satisfies readonly G.AssistanceKind[];

export const INCIDENT_KINDS = ['theft', 'other'] as const satisfies readonly G.IncidentKind[];

export const INCIDENT_OUTCOMES = [
  'suspect-caught',
  'property-recovered',
  'handed-to-station',
  'open',
] as const satisfies readonly G.IncidentOutcome[];

export const LOST_PERSON_OUTCOMES = [
  'reunited-with-family',
  'handed-to-station',
  'escorted-home',
  'ongoing',
] as const satisfies readonly G.LostPersonOutcome[];

export const ACCIDENT_OUTCOMES = [
  'cars-moved',
  'insurance-advised',
  'settled-on-site',
  'referred-to-traffic-unit',
  'ambulance-called',
] as const satisfies readonly G.AccidentOutcome[];

export const PHOTO_SLOTS = ['front', 'rear', 'point-of-impact', 'plate', 'scene', 'other'] as const satisfies readonly G.PhotoSlot[];
/** The guided part of the accident checklist, in the order the officer is asked for them. */
export const REQUIRED_ACCIDENT_SLOTS: G.PhotoSlot[] = ['front', 'rear', 'point-of-impact'];
export const MAX_PHOTOS = 6;

/** Ledger entry kinds (snake_case, as stored and sent). */
export const ENTRY_KINDS = [
  'patrol_started',
  'patrol_stopped',
  'track_segment',
  'track_gap',
  'violation',
  'lost_person',
  'traffic_accident',
  'assistance',
  'incident',
  'post_arrived',
  'post_left',
  'dispatch_step',
  'supplement',
] as const satisfies readonly G.EntryKind[];

/** The entry kinds `submit_report` takes (a subset of `EntryKind`). */
export const REPORT_KINDS = ['lost_person', 'traffic_accident', 'assistance', 'incident'] as const satisfies readonly G.EntryKind[];
export type ReportKind = (typeof REPORT_KINDS)[number];

export const SYNC_STATES = ['pending', 'acked', 'quarantined'] as const satisfies readonly G.SyncState[];

/**
 * Error kinds named by the contract, plus the device core's own codes that may pass through.
 * Rust's `CommandError.kind` is a plain string, so this list is the UI's, not generated.
 */
export const ERROR_KINDS = [
  'invalid',
  'no_open_patrol',
  'patrol_already_open',
  'not_enrolled',
  'network',
  'rejected',
  'auth',
  'protocol_mismatch',
  'storage',
  'chain_broken',
  'io',
  'not_found',
  'no_such_entry',
  'bad_supplement',
  'decode',
  'schema_too_new',
  'no_such_photo',
  'unknown_dispatch',
  'dispatch_withdrawn',
  'dispatch_step_done',
  'dispatch_cleared',
  'unknown',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

// ---- dispatches (派警): HQ sends a unit to a place; the officer's steps are ledger entries ----

export const DISPATCH_KINDS = [
  'theft',
  'robbery',
  'fight',
  'dispute',
  'traffic-accident',
  'lost-person',
  'assistance',
  'suspicious',
  'other',
] as const satisfies readonly G.DispatchKind[];

/** The campaign's "1-3-5 minute" circle: how soon the unit must be on scene after the call. */
export const DISPATCH_TIERS = [1, 3, 5] as const satisfies readonly G.Tier[];

/** The officer's steps, in the order they normally come. */
export const DISPATCH_STEPS = ['accepted', 'en-route', 'on-scene', 'cleared', 'declined'] as const satisfies readonly G.DispatchStepKind[];

/** Every state Rust names; `created` and `sent` are HQ's (before the order reached a device). */
export const DISPATCH_STATES = [
  'created',
  'sent',
  'delivered',
  'accepted',
  'en-route',
  'on-scene',
  'cleared',
  'declined',
  'reassigned',
] as const satisfies readonly G.DispatchState[];

export const DISPATCH_OUTCOMES = [
  'arrest-made',
  'resolved',
  'report-taken',
  'handed-over',
  'no-trace',
  'false-alarm',
] as const satisfies readonly G.DispatchOutcome[];

/** Every rule code of patrol-model's `ValidationCode`; the screens translate each as `validation.<code>`. */
export const VALIDATION_CODES = [
  'required',
  'too_long',
  'too_many',
  'too_few',
  'range',
  'at_least',
  'not_finite',
  'time',
  'enum',
  'format',
  'code',
  'uuid',
  'hash',
  'plate_province',
  'plate_office',
  'plate_length',
  'plate_format',
  'photo_type',
  'url',
  'timezone',
  'duplicate',
  'order',
  'not_allowed',
  'conflict',
] as const satisfies readonly G.ValidationCode[];

/** `true` when `L` lists every member of `U`; otherwise the members it leaves out. */
type ListsAll<U, L extends readonly unknown[]> = [Exclude<U, L[number]>] extends [never] ? true : Exclude<U, L[number]>;
/** Compiles only for `true`: a slug Rust adds fails here, naming it, until it is listed (and translated). */
type Expect<T extends true> = T;
/** Compile-time proof that every slug list above names every member of Rust's union. */
export type SlugListsComplete = [
  Expect<ListsAll<G.ViolationType, typeof VIOLATION_TYPES>>,
  Expect<ListsAll<G.PatrolMode, typeof PATROL_MODES>>,
  Expect<ListsAll<G.VolunteerCategory, typeof VOLUNTEER_CATEGORIES>>,
  Expect<ListsAll<G.VehicleKind, typeof VEHICLE_KINDS>>,
  Expect<ListsAll<G.AssistanceKind, typeof ASSISTANCE_KINDS>>,
  Expect<ListsAll<G.IncidentKind, typeof INCIDENT_KINDS>>,
  Expect<ListsAll<G.IncidentOutcome, typeof INCIDENT_OUTCOMES>>,
  Expect<ListsAll<G.LostPersonOutcome, typeof LOST_PERSON_OUTCOMES>>,
  Expect<ListsAll<G.AccidentOutcome, typeof ACCIDENT_OUTCOMES>>,
  Expect<ListsAll<G.PhotoSlot, typeof PHOTO_SLOTS>>,
  Expect<ListsAll<G.EntryKind, typeof ENTRY_KINDS>>,
  Expect<ListsAll<G.SyncState, typeof SYNC_STATES>>,
  Expect<ListsAll<G.DispatchKind, typeof DISPATCH_KINDS>>,
  Expect<ListsAll<G.Tier, typeof DISPATCH_TIERS>>,
  Expect<ListsAll<G.DispatchStepKind, typeof DISPATCH_STEPS>>,
  Expect<ListsAll<G.DispatchState, typeof DISPATCH_STATES>>,
  Expect<ListsAll<G.DispatchOutcome, typeof DISPATCH_OUTCOMES>>,
  Expect<ListsAll<G.ValidationCode, typeof VALIDATION_CODES>>,
];

// ---- report bodies (patrol-model's records, as JSON) ----

/**
 * The optional details of a violation, as `record_violation` / `add_violation_details` take them
 * (each a separate optional parameter in Rust).
 */
export type ViolationDetails = Partial<Pick<G.ViolationTally, 'plate' | 'vehicle' | 'seized_items' | 'note' | 'photos'>>;
/**
 * A record as Rust reads it: the generated shape (what Rust sends back), except that the fields
 * Rust fills in when a body leaves them out (`#[serde(default)]`) may be left out.
 */
type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type LostPersonBody = Defaulted<G.LostPersonReport, 'photos'>;
export type TrafficAccidentBody = Defaulted<G.TrafficAccidentReport, 'injuries' | 'photos' | 'outcomes'>;
export type AssistanceBody = Defaulted<G.AssistanceRecord, 'people'>;
export type IncidentBody = Defaulted<G.IncidentReport, 'video_reviewed' | 'photos'>;
/** A report body as `submit_report` and a correction send it: the record's JSON. */
export type ReportBody = LostPersonBody | TrafficAccidentBody | AssistanceBody | IncidentBody;

// ---- commands: name → args → result ----

/** `start_patrol`'s parameters (`officers` and `volunteers` are optional in Rust; the UI always sends them). */
export type StartPatrolArgs = {
  mode: G.PatrolMode;
  group: G.GroupId;
  officers: string[];
  volunteers: Partial<Record<G.VolunteerCategory, number>>;
  vehicle_plate?: string;
};
export type PostArriveArgs = {
  post_id: G.PostId;
  officers?: string[];
  volunteers?: Partial<Record<G.VolunteerCategory, number>>;
  evidence?: G.VisitEvidence;
};
export type PostLeaveArgs = { post_id: G.PostId; evidence?: G.VisitEvidence };
/** `dispatch_step`'s parameters: the step entry's own fields plus the dispatch's `id`. */
export type DispatchStepArgs = { id: G.DispatchId } & Pick<G.DispatchStep, 'step' | 'outcome' | 'reason' | 'suggested'>;
/** `map_tile`'s parameters: a tile of the web-mercator XYZ scheme. */
export type MapTileArgs = { z: number; x: number; y: number };
/** `set_settings` takes the same shape `get_settings` returns, with a language the UI knows. */
export type SettingsArgs = Omit<G.Settings, 'language'> & { language: Language };

export interface Commands {
  home: { args: undefined; ret: G.Home };
  reference: { args: undefined; ret: G.City | null };
  enroll: { args: { hq_url: string; code: string }; ret: G.Enrolled };
  start_patrol: { args: StartPatrolArgs; ret: G.Saved };
  /** The crew of the last patrol started here, for "same as last time"; null on a new device. */
  last_shift: { args: undefined; ret: G.LastShift | null };
  stop_patrol: { args: undefined; ret: G.Saved[] };
  live_patrol: { args: undefined; ret: G.LivePatrol | null };
  record_violation: { args: ViolationDetails & { type: G.ViolationType }; ret: G.Saved };
  add_violation_details: { args: ViolationDetails & { seq: number }; ret: G.Saved };
  submit_report: { args: { kind: ReportKind; body: ReportBody; draft_id?: string }; ret: G.Saved };
  add_photo: { args: { data_base64: string }; ret: G.PhotoRef };
  /** `body` is any JSON (Rust: `serde_json::Value`); it comes back as `Draft.body`. */
  save_draft: { args: { id: string; kind: string; body: unknown }; ret: G.Draft };
  drafts: { args: undefined; ret: G.Draft[] };
  discard_draft: { args: { id: string }; ret: boolean };
  post_duty: { args: undefined; ret: G.PostDutyView[] };
  post_arrive: { args: PostArriveArgs; ret: G.Saved };
  post_leave: { args: PostLeaveArgs; ret: G.Saved };
  post_suggestion: { args: undefined; ret: G.PostSuggestion | null };
  /** `tracks: false`: track segments left out, `limit` counting the rest (default: all kinds). */
  history: { args: { limit?: number; tracks?: boolean }; ret: G.HistoryItem[] };
  /** `correction`: the corrected body (any record's JSON), or null to withdraw. */
  supplement: { args: { seq: number; reason: string; correction: unknown | null }; ret: G.Saved };
  sync_now: { args: { on_progress: unknown }; ret: G.Receipt };
  sync_status: { args: undefined; ret: G.Receipt | null };
  /** What waits to reach HQ and when syncs were tried; answers offline. */
  sync_queue: { args: undefined; ret: G.SyncQueueView };
  /** Station sync without a network: a signed file of everything HQ does not yet hold, written to
   * `exports/` in the data folder; nothing on the device changes; answers offline. */
  export_bundle: { args: undefined; ret: G.BundleExported };
  get_settings: { args: undefined; ret: G.Settings };
  set_settings: { args: SettingsArgs; ret: G.Settings };
  start_position_source: { args: { kind: 'simulated' | 'gpx-replay'; gpx_path?: string }; ret: null };
  dispatches: { args: undefined; ret: G.DispatchCard[] };
  dispatch_step: { args: DispatchStepArgs; ret: G.DispatchCard };
  scene_suggestion: { args: undefined; ret: G.SceneSuggestion | null };
  /** The city's map pack on this device, and one still downloading; answers offline. */
  map_pack: { args: undefined; ret: G.MapPackView };
  /** One raster tile of the pack (XYZ, `y` counted from the north) as its bytes; empty when
   * the pack has no tile there (Rust answers with raw bytes, so `invoke` gives an ArrayBuffer). */
  map_tile: { args: MapTileArgs; ret: ArrayBuffer };
}
export type Command = keyof Commands;

/** Every command of the contract; a test checks this against docs/app-api.md and the fake. */
export const COMMANDS: Command[] = [
  'home',
  'reference',
  'enroll',
  'start_patrol',
  'last_shift',
  'stop_patrol',
  'live_patrol',
  'record_violation',
  'add_violation_details',
  'submit_report',
  'add_photo',
  'save_draft',
  'drafts',
  'discard_draft',
  'post_duty',
  'post_arrive',
  'post_leave',
  'post_suggestion',
  'history',
  'supplement',
  'sync_now',
  'sync_status',
  'sync_queue',
  'export_bundle',
  'get_settings',
  'set_settings',
  'start_position_source',
  'dispatches',
  'dispatch_step',
  'scene_suggestion',
  'map_pack',
  'map_tile',
];

export interface Events {
  'ledger-changed': G.LedgerChanged;
  position: G.PositionFix;
  /** HQ's orders reached the device: show the full-screen card. */
  'dispatch-new': G.DispatchNew;
}
export type EventName = keyof Events;
export const EVENTS: EventName[] = ['ledger-changed', 'position', 'dispatch-new'];

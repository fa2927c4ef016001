//! The contract between this UI and the Rust shell, as TypeScript types: a mirror of
//! ../docs/app-api.md. Names here are the contract's names (snake_case keys, slugs as values);
//! a change here without the same change there is a bug.

export type Ms = number;

export const VIOLATION_TYPES = [
  'drunk-driving',
  'no-helmet',
  'illegal-passenger',
  'umbrella-rig',
  'red-light',
  'illegal-parking',
  'jaywalking',
  'other-traffic',
] as const;
export type ViolationType = (typeof VIOLATION_TYPES)[number];

export const PATROL_MODES = ['foot', 'car', 'motorcycle', 'e-bike', 'bicycle'] as const;
export type PatrolMode = (typeof PATROL_MODES)[number];

export const VOLUNTEER_CATEGORIES = [
  'patrol-team',
  'red-vest',
  'community-cadre',
  'grid-worker',
  'property-staff',
  'security-guard',
] as const;
export type VolunteerCategory = (typeof VOLUNTEER_CATEGORIES)[number];

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
] as const;
export type VehicleKind = (typeof VEHICLE_KINDS)[number];

export const ASSISTANCE_KINDS = ['medical-escort', 'dispute-resolved', 'other-help'] as const;
export type AssistanceKind = (typeof ASSISTANCE_KINDS)[number];

export const INCIDENT_KINDS = ['theft', 'other'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const INCIDENT_OUTCOMES = [
  'suspect-caught',
  'property-recovered',
  'handed-to-station',
  'open',
] as const;
export type IncidentOutcome = (typeof INCIDENT_OUTCOMES)[number];

export const LOST_PERSON_OUTCOMES = [
  'reunited-with-family',
  'handed-to-station',
  'escorted-home',
  'ongoing',
] as const;
export type LostPersonOutcome = (typeof LOST_PERSON_OUTCOMES)[number];

export const ACCIDENT_OUTCOMES = [
  'cars-moved',
  'insurance-advised',
  'settled-on-site',
  'referred-to-traffic-unit',
  'ambulance-called',
] as const;
export type AccidentOutcome = (typeof ACCIDENT_OUTCOMES)[number];

export const PHOTO_SLOTS = ['front', 'rear', 'point-of-impact', 'plate', 'scene', 'other'] as const;
export type PhotoSlot = (typeof PHOTO_SLOTS)[number];
/** The guided part of the accident checklist, in the order the officer is asked for them. */
export const REQUIRED_ACCIDENT_SLOTS: PhotoSlot[] = ['front', 'rear', 'point-of-impact'];
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
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export const REPORT_KINDS = ['lost_person', 'traffic_accident', 'assistance', 'incident'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Error kinds named by the contract, plus the device core's own codes that may pass through. */
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
] as const;
export type DispatchKind = (typeof DISPATCH_KINDS)[number];

/** The campaign's "1-3-5 minute" circle: how soon the unit must be on scene after the call. */
export const DISPATCH_TIERS = [1, 3, 5] as const;
export type DispatchTier = (typeof DISPATCH_TIERS)[number];

/** The officer's steps, in the order they normally come. */
export const DISPATCH_STEPS = ['accepted', 'en-route', 'on-scene', 'cleared', 'declined'] as const;
export type DispatchStepKind = (typeof DISPATCH_STEPS)[number];

export const DISPATCH_STATES = ['delivered', 'accepted', 'en-route', 'on-scene', 'cleared', 'declined', 'reassigned'] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];

export const DISPATCH_OUTCOMES = ['arrest-made', 'resolved', 'report-taken', 'handed-over', 'no-trace', 'false-alarm'] as const;
export type DispatchOutcome = (typeof DISPATCH_OUTCOMES)[number];

export type LatLon = { lat: number; lon: number };
/** `warning`: saved anyway, but say so (e.g. a group not in the reference data). */
export type Saved = { seq: number; kind: string; id: string; warning?: string };
export type DayTally = {
  date: string;
  violations: Record<string, number>;
  seized_items: number;
  entries: Record<string, number>;
};
export type Fix = {
  time_ms?: Ms;
  lat: number;
  lon: number;
  accuracy_m?: number;
  speed_mps?: number;
  heading_deg?: number;
};
export type OpenPatrol = {
  patrol_id: string;
  group: string;
  mode: string;
  started_ms: Ms;
  distance_m: number;
  fixes: number;
  cell: string | null;
  last_fix: Fix | null;
};
export type PositionSource = 'gnss' | 'simulated' | 'gpx-replay' | 'none';
/** patrol-model's `GpsHealth`: amber after 30 s without a fix, red after 2 minutes. */
export type TrackingState =
  | 'recording'
  | 'ready'
  | 'waiting_for_fix'
  | 'simulated'
  | 'permission_missing'
  | 'paused_by_system'
  | 'no_source';
export type GpsLevel = 'ok' | 'amber' | 'red';
export type GpsHealth = {
  state: TrackingState;
  level: GpsLevel;
  accuracy_m: number | null;
  fix_age_ms: Ms | null;
  poor_accuracy: boolean;
};
export type Home = {
  device_id: string;
  enrolled: boolean;
  hq_url: string | null;
  device_name: string | null;
  open_patrol: OpenPatrol | null;
  unsynced: number;
  quarantined: number;
  today: DayTally;
  drafts: number;
  last_sync_ms: Ms | null;
  city_loaded: boolean;
  position_source: PositionSource;
  gps: GpsHealth;
};
export type DutyWindow = { start: string; end: string };
export type Post = {
  id: string;
  name: string;
  location: LatLon;
  radius_m: number;
  duty_windows: DutyWindow[];
};
export type Group = { id: string; name: string; mode?: string };
/**
 * `cells` is not (yet) in the contract's `Reference`; the live map draws grid cells only when
 * the shell sends them. See README "Contract notes".
 */
export type GridCell = { id: string; name: string; ring: LatLon[] };
export type Reference = {
  name: string;
  timezone: string;
  groups: Group[];
  posts: Post[];
  cells?: GridCell[];
};
export type PostDuty = {
  post_id: string;
  name: string;
  on_post: boolean;
  windows: {
    start_ms: Ms;
    end_ms: Ms;
    minutes_on_post: number;
    held_fraction: number;
    window: DutyWindow;
  }[];
  current_window: { start_ms: Ms; end_ms: Ms; minutes_on_post: number } | null;
  /** How this device's open visit was checked in; null when not on post. */
  arrival_source: 'manual' | 'geofence' | null;
};
/** What supports a post check-in: the geofence's fixes, or the officer's tap (`manual`). */
export type VisitEvidence = {
  source: 'geofence' | 'manual';
  fixes_inside: number;
  dwell_s: number;
  best_accuracy_m?: number;
  at?: LatLon;
};
/** The geofence proposes a check-in; the officer confirms it by passing `evidence` back. */
export type PostSuggestion = {
  action: 'arrive' | 'leave';
  post_id: string;
  name: string;
  since_ms: Ms;
  evidence: VisitEvidence;
};
export type PostArriveArgs = {
  post_id: string;
  officers?: string[];
  volunteers?: Partial<Record<VolunteerCategory, number>>;
  evidence?: VisitEvidence;
};
export type SyncState = 'pending' | 'acked' | 'quarantined';
export type HistoryItem = {
  seq: number;
  id: string;
  kind: string;
  wall_ms: Ms;
  cell: string | null;
  record: any;
  corrected_by: number[];
  withdrawn_by: number | null;
  sync: SyncState;
};
export type Quarantined = { seq: number; code: string; reason: string };
export type Receipt = {
  hq_head_seq: number;
  entries_held: number;
  photos_held: number;
  pending: number;
  quarantined: Quarantined[];
  stuck: string | null;
  hq_time_ms: Ms;
  text: string;
};
export type SyncPhase = 'connecting' | 'reference' | 'uploading' | 'photos' | 'receipt' | 'done';
export type SyncProgress = { phase: SyncPhase; sent: number; total: number };
export type Language = 'zh-CN' | 'en';
export type Settings = { language: Language; hq_url: string | null };
export type Draft = { id: string; kind: string; body: unknown; created_ms: Ms; updated_ms: Ms };
export type PhotoRef = { sha256: string; size: number; mime: string };
export type LiveRoute = { patrol: OpenPatrol; route: [number, number][]; gps: GpsHealth };

/** What HQ sent: where to go and why. Rust leaves `address` / `note` out when there is none. */
export type DispatchOrder = {
  id: string;
  kind: DispatchKind;
  tier: DispatchTier;
  target: LatLon;
  radius_m: number;
  address?: string | null;
  note?: string | null;
  /** When the call came in (HQ's clock). */
  call_ms: Ms;
  /** When HQ sent it to this unit (HQ's clock). */
  sent_ms: Ms;
};
/** The officer's steps so far (each its earliest time); absent and null mean the same. */
export type DispatchSteps = {
  accepted_ms?: Ms | null;
  en_route_ms?: Ms | null;
  on_scene_ms?: Ms | null;
  cleared_ms?: Ms | null;
  declined_ms?: Ms | null;
  outcome?: DispatchOutcome | null;
  reason?: string | null;
};
export type Dispatch = {
  order: DispatchOrder;
  /** When this device stored the order (its clock). */
  received_ms: Ms;
  /** HQ took it back (reassigned or closed), and why. */
  withdrawn: string | null;
  steps: DispatchSteps;
  state: DispatchState;
  /** The steps the officer can take now, in the order to offer them. */
  next: DispatchStepKind[];
};
export type DispatchStepArgs = {
  id: string;
  step: DispatchStepKind;
  outcome?: DispatchOutcome;
  reason?: string;
  suggested?: boolean;
};
/** "You seem to be on scene": from the running patrol's fixes, for the officer to confirm. */
export type SceneSuggestion = { dispatch_id: string; arrived_ms: Ms; target: LatLon };
/** The body of a `dispatch_step` ledger entry. */
export type DispatchStepRecord = {
  dispatch_id: string;
  step: DispatchStepKind;
  outcome?: DispatchOutcome;
  reason?: string;
  at?: LatLon;
  patrol_id?: string;
  suggested?: boolean;
};

// ---- report bodies (patrol-model's records, as JSON) ----

export type ViolationDetails = {
  plate?: string;
  vehicle?: VehicleKind;
  seized_items?: number;
  note?: string;
  photos?: PhotoRef[];
};
export type ViolationTally = ViolationDetails & {
  patrol_id?: string;
  type: ViolationType;
  at?: LatLon;
};
export type LostPersonReport = {
  patrol_id?: string;
  description: string;
  identifying_code?: string;
  found_at?: LatLon;
  found_place?: string;
  handed_to?: string;
  handed_over_at?: string;
  outcome: LostPersonOutcome;
  photos?: PhotoRef[];
};
export type AccidentVehicle = { plate?: string; kind: VehicleKind };
export type AccidentPhoto = PhotoRef & { slot: PhotoSlot };
export type TrafficAccidentReport = {
  patrol_id?: string;
  vehicles: AccidentVehicle[];
  injuries?: boolean;
  photos?: AccidentPhoto[];
  outcomes?: AccidentOutcome[];
  at?: LatLon;
  note?: string;
};
export type AssistanceRecord = {
  patrol_id?: string;
  kind: AssistanceKind;
  description: string;
  people?: number;
  outcome?: string;
  at?: LatLon;
};
export type IncidentReport = {
  patrol_id?: string;
  kind: IncidentKind;
  description: string;
  value_yuan?: number;
  video_reviewed?: boolean;
  outcome: IncidentOutcome;
  at?: LatLon;
  photos?: PhotoRef[];
};
export type ReportBody = LostPersonReport | TrafficAccidentReport | AssistanceRecord | IncidentReport;

// ---- commands: name → args → result ----

export type StartPatrolArgs = {
  mode: PatrolMode;
  group: string;
  officers: string[];
  volunteers: Partial<Record<VolunteerCategory, number>>;
  vehicle_plate?: string;
};

export interface Commands {
  home: { args: undefined; ret: Home };
  reference: { args: undefined; ret: Reference | null };
  enroll: { args: { hq_url: string; code: string }; ret: { device_name: string; city: string | null } };
  start_patrol: { args: StartPatrolArgs; ret: Saved };
  stop_patrol: { args: undefined; ret: Saved[] };
  live_patrol: { args: undefined; ret: LiveRoute | null };
  record_violation: { args: ViolationDetails & { type: ViolationType }; ret: Saved };
  add_violation_details: { args: ViolationDetails & { seq: number }; ret: Saved };
  submit_report: { args: { kind: ReportKind; body: ReportBody; draft_id?: string }; ret: Saved };
  add_photo: { args: { data_base64: string }; ret: PhotoRef };
  save_draft: { args: { id: string; kind: string; body: unknown }; ret: Draft };
  drafts: { args: undefined; ret: Draft[] };
  discard_draft: { args: { id: string }; ret: boolean };
  post_duty: { args: undefined; ret: PostDuty[] };
  post_arrive: { args: PostArriveArgs; ret: Saved };
  post_leave: { args: { post_id: string; evidence?: VisitEvidence }; ret: Saved };
  post_suggestion: { args: undefined; ret: PostSuggestion | null };
  history: { args: { limit?: number }; ret: HistoryItem[] };
  supplement: { args: { seq: number; reason: string; correction: unknown | null }; ret: Saved };
  sync_now: { args: { on_progress: unknown }; ret: Receipt };
  sync_status: { args: undefined; ret: Receipt | null };
  get_settings: { args: undefined; ret: Settings };
  set_settings: { args: Settings; ret: Settings };
  start_position_source: { args: { kind: 'simulated' | 'gpx-replay'; gpx_path?: string }; ret: null };
  dispatches: { args: undefined; ret: Dispatch[] };
  dispatch_step: { args: DispatchStepArgs; ret: Dispatch };
  scene_suggestion: { args: undefined; ret: SceneSuggestion | null };
}
export type Command = keyof Commands;

/** Every command of the contract; a test checks this against docs/app-api.md and the fake. */
export const COMMANDS: Command[] = [
  'home',
  'reference',
  'enroll',
  'start_patrol',
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
  'get_settings',
  'set_settings',
  'start_position_source',
  'dispatches',
  'dispatch_step',
  'scene_suggestion',
];

export type LedgerChanged = { head: number; unsynced: number; open_patrol: boolean };
/** HQ's orders reached the device: show the full-screen card. */
export type DispatchNew = { ids: string[] };
export interface Events {
  'ledger-changed': LedgerChanged;
  position: Fix;
  'dispatch-new': DispatchNew;
}
export type EventName = keyof Events;
export const EVENTS: EventName[] = ['ledger-changed', 'position', 'dispatch-new'];

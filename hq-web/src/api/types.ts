//! The JSON HQ answers, as the Rust types serialise it (serde snake_case). Field names follow
//! patrol-model (city.rs, fix.rs, v1.rs) and patrol-hq (projections/, storage/, routes/).
//! Dispatch's shapes are HQ's own generated types (`openapi.d.ts`), named here, not re-typed.

import type { components } from './openapi';

type Schemas = components['schemas'];

export type LatLon = { lat: number; lon: number };
export type Role = 'admin' | 'viewer';
export type Operator = { id: string; name: string; role: Role };
export type Session = { operator: Operator; expires_ms: number };
/** A value HQ refused by a rule: the field's dotted path (`address`, `target.lat`), the rule
 * (patrol-model's `ValidationCode`, translated as `validation.<code>`) and what the translation
 * fills in (`max`, `min`, `value`…), as text. */
export type Invalid = { field: string; code: string; params?: Record<string, string> };
export type ValidationCode = Schemas['ValidationCode'];
export type ErrorBody = { code: string; message: string; invalid?: Invalid | null };

export type DutyWindow = { start: string; end: string };
export type GridCell = { id: string; name: string; ring: LatLon[] };
export type Post = { id: string; name: string; location: LatLon; radius_m: number; duty_windows: DutyWindow[] };
export type PatrolGroup = { id: string; name: string; mode?: string; cells: string[] };
export type City = {
  name: string;
  timezone: string;
  cells: GridCell[];
  posts: Post[];
  groups: PatrolGroup[];
  campaign_start?: string;
};

export type PositionFix = {
  time_ms?: number | null;
  lat: number;
  lon: number;
  accuracy_m?: number | null;
  speed_mps?: number | null;
  heading_deg?: number | null;
  altitude_m?: number | null;
  gnss_ms?: number | null;
};

export type Unit = {
  device_id: string;
  patrol_id: string;
  group: string;
  mode: string;
  officers?: string[];
  last_fix: PositionFix;
  cell?: string | null;
  seen_ms: number;
  age_ms: number;
};

/** DailyStats (patrol-model v1.rs). */
export type DailyStats = {
  date: string;
  timezone: string;
  patrols: number;
  officer_trips: number;
  vehicle_trips: number;
  volunteers_total: number;
  volunteers_by_category: Record<string, number>;
  assistance_cases: number;
  medical_escorts: number;
  lost_persons: number;
  disputes_resolved: number;
  thefts: number;
  incidents: number;
  traffic_accidents: number;
  violations_total: number;
  violations_by_type: Record<string, number>;
  seized_items: number;
  km_patrolled: number;
  post_visits: number;
  flagged_entries: number;
  /** 派警 "1-3-5分钟" per tier (1, 3, 5); absent from an HQ without dispatch. */
  dispatch?: DispatchTierStats[];
};

export type RangeStats = {
  from: string;
  to: string;
  days: number;
  timezone: string;
  totals: DailyStats;
  per_day: Record<string, unknown>;
  daily: DailyStats[];
};

export type Bulletin = { date: string; lang: string; text: string };

export type WindowStatus =
  | 'upcoming'
  | 'in_progress'
  | 'on_time'
  | 'late'
  | 'left_early'
  | 'late_and_left_early'
  | 'missed';

export type WindowCompliance = {
  window: DutyWindow;
  start_ms: number;
  end_ms: number;
  on_post_ms: number;
  minutes_on_post: number;
  held_fraction: number;
  status: WindowStatus;
  first_arrival_ms?: number | null;
  last_on_post_ms?: number | null;
  officers: string[];
  volunteers: Record<string, number>;
  devices: string[];
};

export type PostCompliance = {
  post_id: string;
  name: string;
  date: string;
  windows: WindowCompliance[];
  devices: string[];
};

export type Band = '1' | '3' | '5' | 'over5' | 'none';
export type Coverage = {
  generated_ms: number;
  model: { detour_factor: number; speeds_kmh: Record<string, number>; max_fix_age_s: number; bands_s: number[] };
  cells: { cell_id: string; eta_s?: number | null; band: Band; unit?: string | null; center: LatLon }[];
  outside: string[];
};

export type Presence = {
  date: string;
  day_hours: number[];
  cells: { cell_id: string; day_minutes: number; night_minutes: number }[];
};

export type PatrolSummary = {
  patrol_id: string;
  device_id: string;
  group: string;
  mode: string;
  officers: string[];
  volunteers: Record<string, number>;
  vehicle_plate?: string | null;
  started_ms: number;
  stopped_ms?: number | null;
  fixes: number;
  km: number;
};

export type Track = {
  summary: PatrolSummary;
  points: [number, number, number][];
  stops: { from_ms: number; to_ms: number; lat: number; lon: number }[];
  distance_km: number;
  moving_s: number;
};

/** A supplement that changed a report: its seq, `correction`, and when it was added. */
export type HistoryItem = { seq: number; kind: string; at_ms?: number | null };
export type Report = {
  device_id: string;
  seq: number;
  entry_id: string;
  kind: string;
  local_time: string;
  event_ms: number;
  cell?: string | null;
  group?: string | null;
  patrol_id?: string | null;
  type: string | null;
  summary: string | null;
  outcome: string | null;
  plate: string | null;
  lat?: number | null;
  lon?: number | null;
  photos: string[];
  history: HistoryItem[];
  record: unknown;
};

/** One page of the reports list, newest first: `next` is the `before` of the next, older page. */
export type ReportsPage = { total: number; items: Report[]; next?: string | null };

export type Head = { seq: number; hash: string };
export type DeviceRow = {
  id: string;
  name: string;
  status: 'active' | 'revoked';
  enrolled_ms: number;
  revoked_ms?: number | null;
  head: Head;
  last_seen_ms?: number | null;
  skew_ms: number;
};
export type Enrollment = { code: string; name: string; expires_ms: number; qr_svg?: string };
export type QuarantineRow = { device_id: string; seq: number; code: string; reason: string };
export type ConflictRow = { device_id: string; seq: number; hq_hash: string; device_hash: string };

export type MapPack = {
  pack?: null | { format: string; minzoom: number; maxzoom: number; bounds?: number[] | null; name: string };
};

/** Server-sent events from GET /api/v1/events. */
export type UploadEvent = { device_id: string; head_seq: number; entries: number };

/** Dispatch (派警): the board, one dispatch and its units, the ranking, the 1-3-5 figures, and
 * what the page sends — HQ's generated types as they are. */
export type Board = Schemas['Board'];
export type DispatchView = Schemas['DispatchView'];
export type DispatchUnit = Schemas['DispatchUnit'];
export type DispatchTierStats = Schemas['DispatchTierStats'];
export type Recommendation = Schemas['Recommendation'];
export type NewDispatch = Schemas['NewDispatch'];
export type SourceRef = Schemas['SourceRef'];
export type SendUnits = Schemas['SendUnits'];
export type Reassign = Schemas['Reassign'];
export type CloseDispatch = Schemas['Close'];
export type DispatchEvent = { dispatch_id: string };

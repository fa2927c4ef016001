//! HQ's endpoints the page uses, typed. Paths and shapes: patrol-hq's routes and the OpenAPI
//! document (`/api/openapi.json`).

import { get, post, qs, request } from './client';
import type {
  Board, Bulletin, City, CloseDispatch, ConflictRow, Coverage, DailyStats, DeviceRow, DispatchView, Enrollment,
  MapPack, NewDispatch, PatrolSummary, PostCompliance, Presence, QuarantineRow, RangeStats, Reassign, Recommendation,
  ReportsPage, SendUnits, Session, Track, Unit,
} from './types';

export const session = {
  current: () => get<Session>('/api/v1/session', { quiet401: true }),
  /** The same, but a 401 sends the page to sign-in (the periodic check). */
  check: () => get<Session>('/api/v1/session'),
  signIn: (token: string) => request<Session>('POST', '/api/v1/session', { body: { token }, quiet401: true }),
  signOut: () => request<void>('DELETE', '/api/v1/session', { quiet401: true }),
};

export const city = () => get<City>('/api/v1/city');
export const mapPack = () => get<MapPack>('/api/v1/map');
export const units = () => get<Unit[]>('/api/v1/units');
export const coverage = () => get<Coverage>('/api/v1/coverage');
export const daily = (date: string) => get<DailyStats>(`/api/v1/stats/daily${qs({ date })}`);
export const range = (from: string, to: string) => get<RangeStats>(`/api/v1/stats/range${qs({ from, to })}`);
export const bulletin = (date: string, lang: string) => get<Bulletin>(`/api/v1/bulletin${qs({ date, lang })}`);
export const compliance = (date: string) => get<PostCompliance[]>(`/api/v1/posts/compliance${qs({ date })}`);
export const presence = (date: string) => get<Presence>(`/api/v1/presence${qs({ date })}`);
export const patrols = (date: string) => get<PatrolSummary[]>(`/api/v1/patrols${qs({ date })}`);
export const track = (patrolId: string) => get<Track>(`/api/v1/patrols/${encodeURIComponent(patrolId)}/track`);
export type ReportFilter = { date: string; kind?: string; group?: string; cell?: string };
/** The newest `limit` reports of the filter (a city's day holds tens of thousands), the total,
 * and with `before` the page after an earlier one. */
export const reportsPage = (f: ReportFilter & { limit?: number; before?: string }) =>
  get<ReportsPage>(`/api/v1/reports/page${qs(f)}`);
export const devices = () => get<DeviceRow[]>('/api/v1/devices');
export const revokeDevice = (id: string) => post<unknown>(`/api/v1/devices/${encodeURIComponent(id)}/revoke`);
export const enrol = (name: string) => post<Enrollment>('/api/v1/enrollments', { name });
export const quarantine = () => get<QuarantineRow[]>('/api/v1/quarantine');
export const conflicts = () => get<ConflictRow[]>('/api/v1/conflicts');

/** Dispatch (派警): the day's board, the ranking for a point, and the operator's actions. Every
 * action answers the dispatch as it now stands. */
const dispatchPath = (id: string, action?: string) =>
  `/api/v1/dispatches/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
export const dispatch = {
  board: (date: string) => get<Board>(`/api/v1/dispatches${qs({ date })}`),
  one: (id: string) => get<DispatchView>(dispatchPath(id)),
  recommend: (lat: number, lon: number) => get<Recommendation[]>(`/api/v1/dispatches/recommend${qs({ lat, lon })}`),
  create: (body: NewDispatch) => post<DispatchView>('/api/v1/dispatches', body),
  send: (id: string, body: SendUnits) => post<DispatchView>(dispatchPath(id, 'send'), body),
  reassign: (id: string, body: Reassign) => post<DispatchView>(dispatchPath(id, 'reassign'), body),
  close: (id: string, body: CloseDispatch) => post<DispatchView>(dispatchPath(id, 'close'), body),
};

export const photoUrl = (sha256: string) => `/api/v1/photos/${encodeURIComponent(sha256)}`;
export const exportUrl = (what: 'reports.csv' | 'routes.geojson' | 'routes.gpx', date: string) =>
  `/api/v1/export/${what}${qs({ date })}`;
export const TILE_URL = '/api/v1/map/tiles/{z}/{x}/{y}';

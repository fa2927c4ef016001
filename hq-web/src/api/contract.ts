//! The page's types, checked against HQ's own: `openapi.d.ts` is generated (`npm run gen:api`)
//! from `openapi.json`, the OpenAPI document HQ serves (a Rust test keeps that snapshot current,
//! a unit test keeps this file's source current). Each line says "what HQ sends fits what the
//! page reads"; when HQ changes a type, `tsc` fails here, naming the type. Nothing here runs.

import type { components } from './openapi';
import type * as T from './types';
import type { DispatchKind, Tier } from '../lib/dispatch';

type S = components['schemas'];
/** HQ's answer `A` can be used where the page expects `B`. */
type Fits<A, B> = [A] extends [B] ? true : false;
/** Compiles only when `X` is `true`. */
type Holds<X extends true> = X;

export type Contract = [
  Holds<Fits<S['SessionInfo'], T.Session>>,
  Holds<Fits<S['ErrorBody'], T.ErrorBody>>,
  Holds<Fits<S['Invalid'], T.Invalid>>,
  Holds<Fits<S['PositionFix'], T.PositionFix>>,
  Holds<Fits<S['UnitPosition'], T.Unit>>,
  Holds<Fits<S['DailyStats'], T.DailyStats>>,
  Holds<Fits<S['RangeStats'], T.RangeStats>>,
  Holds<Fits<S['Bulletin'], T.Bulletin>>,
  Holds<Fits<S['WindowCompliance'], T.WindowCompliance>>,
  Holds<Fits<S['PostCompliance'], T.PostCompliance>>,
  Holds<Fits<S['Coverage'], T.Coverage>>,
  Holds<Fits<S['Presence'], T.Presence>>,
  Holds<Fits<S['PatrolSummary'], T.PatrolSummary>>,
  Holds<Fits<S['PatrolTrack'], T.Track>>,
  Holds<Fits<S['ReportItem'], T.Report>>,
  Holds<Fits<S['ReportsPage'], T.ReportsPage>>,
  Holds<Fits<S['DeviceRow'], T.DeviceRow>>,
  Holds<Fits<S['EnrollmentCode'], T.Enrollment>>,
  Holds<Fits<S['QuarantinedEntry'], T.QuarantineRow>>,
  Holds<Fits<S['DeviceConflict'], T.ConflictRow>>,
  Holds<Fits<S['MapInfo'], T.MapPack>>,
  // Dispatch: the page reads HQ's generated types as they are (no copy to drift) …
  Holds<Fits<S['Board'], T.Board>>,
  Holds<Fits<S['DispatchView'], T.DispatchView>>,
  Holds<Fits<S['DispatchUnit'], T.DispatchUnit>>,
  Holds<Fits<S['DispatchTierStats'], T.DispatchTierStats>>,
  Holds<Fits<S['Recommendation'], T.Recommendation>>,
  Holds<Fits<S['DailyStats']['dispatch'], T.DailyStats['dispatch']>>,
  // … and what it sends fits what HQ takes: its kind and tier slugs, and the bodies it builds.
  Holds<Fits<DispatchKind, S['NewDispatch']['kind']>>,
  Holds<Fits<Tier, S['NewDispatch']['tier']>>,
  Holds<Fits<T.NewDispatch, S['NewDispatch']>>,
  Holds<Fits<T.SendUnits, S['SendUnits']>>,
  Holds<Fits<T.Reassign, S['Reassign']>>,
  Holds<Fits<T.CloseDispatch, S['Close']>>,
];

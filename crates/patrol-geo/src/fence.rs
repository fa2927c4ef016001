//! The post geofence: when an officer arrived at a post (驻点路口) and when they left, from the
//! position fixes of their patrol. A post is *held*, not merely passed, so arrival and departure
//! each need a dwell, and GNSS accuracy decides what a fix can prove.
//!
//! Every fix is read as [`FenceSide::Inside`] (the whole accuracy circle is within the radius),
//! [`FenceSide::Outside`] (the whole accuracy circle is beyond it) or [`FenceSide::Uncertain`]
//! (anything else). Uncertain fixes never change the state: that is the hysteresis that stops
//! jitter at the fence edge from flapping, and it means a fix whose accuracy is worse than the
//! radius can never check anyone in. Fixes are evaluated in event-time order
//! ([`crate::track::event_order`]): untimed fixes are ignored and exact duplicates count once, so a
//! shuffled, replayed or late-uploaded track yields exactly the same visits. This module only
//! computes; it never stores visits (they are a projection of the ledger).

use crate::distance_m;
use crate::track::event_order;
use patrol_model::{LatLon, PositionFix, Post};
use serde::{Deserialize, Serialize};

/// Rules of the geofence. [`FenceParams::default`] is what the product uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FenceParams {
    /// Inside fixes must span at least this long (seconds) before an arrival is confirmed.
    pub arrive_dwell_s: u32,
    /// Outside fixes must span at least this long (seconds) before a departure is confirmed.
    pub leave_dwell_s: u32,
    /// Accuracy (metres) assumed for a fix that reports none, e.g. a GPX import.
    pub default_accuracy_m: f64,
    /// A gap with no fixes longer than this (seconds) ends an open visit at the last fix before
    /// the gap (or at the start of an unconfirmed departure), and discards a half-dwelt arrival:
    /// without fixes there is no evidence the post was held. `None` trusts any gap.
    pub max_gap_s: Option<u32>,
    /// Fixes whose reported accuracy is worse than this (metres) prove nothing either way
    /// ([`crate::track::within_gate`]): the same gate that keeps them out of distances, from the
    /// city (`patrol_model::City::accuracy_gate_of`).
    #[serde(default = "default_gate")]
    pub accuracy_gate_m: f64,
}

fn default_gate() -> f64 {
    patrol_model::DEFAULT_ACCURACY_GATE_M
}

impl Default for FenceParams {
    /// 60 s to arrive, 60 s to leave, 10 m for fixes without accuracy, gaps up to 10 minutes,
    /// the default accuracy gate.
    fn default() -> Self {
        Self {
            arrive_dwell_s: 60,
            leave_dwell_s: 60,
            default_accuracy_m: 10.0,
            max_gap_s: Some(600),
            accuracy_gate_m: default_gate(),
        }
    }
}

impl FenceParams {
    /// The rules for a dispatch's scene: an officer answering a call stops only briefly before
    /// acting, so 20 s of certain fixes inside the radius suggest arrival (the officer confirms).
    pub fn scene(accuracy_gate_m: f64) -> Self {
        Self {
            arrive_dwell_s: 20,
            accuracy_gate_m,
            ..Self::default()
        }
    }
}

/// When the fixes first show the unit at a dispatch's scene — the post geofence's rules (the
/// whole accuracy circle inside the radius, a dwell, uncertain fixes change nothing) around the
/// target — or `None`. The app suggests on-scene from this; the officer confirms.
pub fn scene_arrival(
    target: LatLon,
    radius_m: f64,
    fixes: &[PositionFix],
    params: &FenceParams,
) -> Option<i64> {
    let scene = Post {
        id: patrol_model::PostId::from("scene"),
        name: String::new(),
        location: target,
        radius_m,
        duty_windows: Vec::new(),
    };
    visits(&scene, fixes, params).first().map(|v| v.arrive_ms)
}

/// What one fix proves about being at the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FenceSide {
    /// `distance + accuracy <= radius`: certainly within the fence.
    Inside,
    /// `distance - accuracy > radius`: certainly beyond the fence.
    Outside,
    /// Neither: the accuracy circle straddles the fence, or the accuracy is not a usable number.
    Uncertain,
}

/// One stay at a post.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Time of the first inside fix of the run that confirmed the arrival (ms since epoch).
    pub arrive_ms: i64,
    /// Time of the first outside fix of the run that confirmed the departure; `None` while the
    /// visit is still open at the end of the track. (After a gap longer than
    /// [`FenceParams::max_gap_s`], the last fix before the gap.)
    pub leave_ms: Option<i64>,
    /// Inside fixes from the arrival run to the departure.
    pub fixes_inside: u32,
    /// Best (smallest) accuracy reported by an inside fix, in metres; `None` when none reported one.
    pub best_accuracy_m: Option<f64>,
}

/// Read one fix against the post's fence. A missing accuracy counts as
/// [`FenceParams::default_accuracy_m`]; a negative, NaN or infinite accuracy proves nothing, and
/// neither does one worse than [`FenceParams::accuracy_gate_m`] (even far from a big post).
pub fn side(post: &Post, fix: &PositionFix, params: &FenceParams) -> FenceSide {
    if !crate::track::within_gate(fix, params.accuracy_gate_m) {
        return FenceSide::Uncertain;
    }
    let accuracy = fix.accuracy_m.unwrap_or(params.default_accuracy_m);
    if !accuracy.is_finite() || accuracy < 0.0 {
        return FenceSide::Uncertain;
    }
    let d = distance_m(
        post.location,
        LatLon {
            lat: fix.lat,
            lon: fix.lon,
        },
    );
    if d + accuracy <= post.radius_m {
        FenceSide::Inside
    } else if d - accuracy > post.radius_m {
        FenceSide::Outside
    } else {
        FenceSide::Uncertain
    }
}

/// The visits to `post` in `fixes` (any order), oldest first; they never overlap and only the
/// last can be open. See the module docs for the rules.
pub fn visits(post: &Post, fixes: &[PositionFix], params: &FenceParams) -> Vec<Visit> {
    let arrive_dwell_ms = i64::from(params.arrive_dwell_s) * 1000;
    let leave_dwell_ms = i64::from(params.leave_dwell_s) * 1000;
    let max_gap_ms = params.max_gap_s.map(|s| i64::from(s) * 1000);

    let mut visits = Vec::new();
    let mut state = State::Away { arriving: None };
    let mut previous_ms: Option<i64> = None;

    for fix in event_order(fixes) {
        let Some(t) = fix.time_ms else { continue };
        if let (Some(gap), Some(prev)) = (max_gap_ms, previous_ms)
            && t - prev > gap
        {
            if let State::OnPost {
                mut visit,
                leaving_since,
            } = state
            {
                visit.leave_ms = Some(leaving_since.unwrap_or(prev));
                visits.push(visit);
            }
            state = State::Away { arriving: None };
        }
        previous_ms = Some(t);

        state = match (state, side(post, &fix, params)) {
            (State::Away { arriving }, FenceSide::Inside) => {
                let mut run = arriving.unwrap_or(Run {
                    first_ms: t,
                    fixes: 0,
                    best_accuracy_m: None,
                });
                run.fixes += 1;
                run.best_accuracy_m = best(run.best_accuracy_m, fix.accuracy_m);
                if t - run.first_ms >= arrive_dwell_ms {
                    let visit = Visit {
                        arrive_ms: run.first_ms,
                        leave_ms: None,
                        fixes_inside: run.fixes,
                        best_accuracy_m: run.best_accuracy_m,
                    };
                    State::OnPost {
                        visit,
                        leaving_since: None,
                    }
                } else {
                    State::Away {
                        arriving: Some(run),
                    }
                }
            }
            (State::Away { .. }, FenceSide::Outside) => State::Away { arriving: None },
            (State::OnPost { mut visit, .. }, FenceSide::Inside) => {
                visit.fixes_inside += 1;
                visit.best_accuracy_m = best(visit.best_accuracy_m, fix.accuracy_m);
                State::OnPost {
                    visit,
                    leaving_since: None,
                }
            }
            (
                State::OnPost {
                    mut visit,
                    leaving_since,
                },
                FenceSide::Outside,
            ) => {
                let since = leaving_since.unwrap_or(t);
                if t - since >= leave_dwell_ms {
                    visit.leave_ms = Some(since);
                    visits.push(visit);
                    State::Away { arriving: None }
                } else {
                    State::OnPost {
                        visit,
                        leaving_since: Some(since),
                    }
                }
            }
            (unchanged, FenceSide::Uncertain) => unchanged,
        };
    }
    if let State::OnPost { visit, .. } = state {
        visits.push(visit);
    }
    visits
}

/// Visits as `(arrive_ms, leave_ms)` intervals for [`crate::duty::minutes_on_post`], an open
/// visit counted up to `open_until_ms` (the device passes now; HQ the last fix it holds). An open
/// visit that began after `open_until_ms` becomes an empty interval.
pub fn visit_intervals(visits: &[Visit], open_until_ms: i64) -> Vec<(i64, i64)> {
    visits
        .iter()
        .map(|v| {
            (
                v.arrive_ms,
                v.leave_ms.unwrap_or(open_until_ms.max(v.arrive_ms)),
            )
        })
        .collect()
}

/// The officer's standing with the fence between fixes.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Not on post; `arriving` is the inside run dwelt so far, if any.
    Away { arriving: Option<Run> },
    /// On post; `leaving_since` is the first outside fix of an unconfirmed departure.
    OnPost {
        visit: Visit,
        leaving_since: Option<i64>,
    },
}

#[derive(Debug, Clone, Copy)]
struct Run {
    first_ms: i64,
    fixes: u32,
    best_accuracy_m: Option<f64>,
}

fn best(current: Option<f64>, reported: Option<f64>) -> Option<f64> {
    match (current, reported) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests;

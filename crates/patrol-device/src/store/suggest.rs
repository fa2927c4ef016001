//! Post duty as it is really done: the geofence (`patrol_geo::fence`) reads this device's recent
//! fixes and *suggests* an arrival at a post or a departure from one; the officer confirms with
//! one tap, and only then is a check-in written (with the fence's [`VisitEvidence`], source
//! `geofence`). Nothing here writes: [`suggest`] is a pure decision, [`Store::post_suggestion`]
//! feeds it.
//!
//! Positions reach the store only while a patrol runs (the position hub records fixes into the
//! running patrol's buffer and track segments), so with no running patrol there are no fixes and
//! no suggestion; manual check-in is then the way, as it is when GNSS is poor.

use super::Store;
use crate::Result;
use patrol_geo::fence::{self, FenceParams, FenceSide};
use patrol_geo::track::event_order;
use patrol_model::{
    City, Effective, EntryKind, LatLon, PositionFix, Post, PostId, Record, VisitEvidence,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How far back the fixes are read: enough for a dwell either way, short enough that a stale
/// stay suggests nothing.
pub const SUGGEST_WINDOW_MS: i64 = 15 * 60 * 1000;

/// What the officer is asked to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SuggestedAction {
    /// "已到达 …？" — check in at the post.
    Arrive,
    /// "已离开 …？" — check out of the post.
    Leave,
}

/// A check-in the geofence proposes, with the evidence to record if the officer confirms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PostSuggestion {
    pub action: SuggestedAction,
    pub post_id: PostId,
    /// The post's name from the reference data (e.g. 洞庭大道/光荣路).
    pub name: String,
    /// When the fence saw it happen (ms): the first inside fix of the arrival run, or the first
    /// outside fix of the departure run.
    pub since_ms: i64,
    /// `source: "geofence"`. Arrival: the inside fixes of the stay, the dwell so far, the best
    /// inside accuracy, the latest inside position. Departure: the inside fixes seen before
    /// leaving (within the window), the time spent certainly outside, the best accuracy of the
    /// outside fixes, the latest outside position.
    pub evidence: VisitEvidence,
}

/// This device's standing at one post, from its own check-ins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostStanding {
    /// An arrival not yet followed by a departure.
    pub on_post: bool,
    /// Event time (ms) of the last check-in (arrival or departure) at this post.
    pub since_ms: Option<i64>,
    /// The evidence source of the open arrival (`manual`, `geofence`); `None` when not on post.
    pub source: Option<String>,
}

/// Each post's standing from the device's post check-ins (withdrawn ones left out), in event
/// order, as `views::open_post_ids` reads them.
pub fn post_standing(standing: &[Effective]) -> BTreeMap<PostId, PostStanding> {
    let mut events: Vec<&Effective> = standing
        .iter()
        .filter(|e| e.withdrawn_by.is_none())
        .collect();
    events.sort_by_key(|e| (e.event_ms(), e.entry.seq));
    let mut out: BTreeMap<PostId, PostStanding> = BTreeMap::new();
    for e in events {
        match &e.record {
            Record::PostArrived(a) => {
                let s = out.entry(a.post_id.clone()).or_default();
                if !s.on_post {
                    *s = PostStanding {
                        on_post: true,
                        since_ms: Some(e.event_ms()),
                        source: Some(a.evidence.source.clone()),
                    };
                }
            }
            Record::PostLeft(l) => {
                *out.entry(l.post_id.clone()).or_default() = PostStanding {
                    on_post: false,
                    since_ms: Some(e.event_ms()),
                    source: None,
                };
            }
            _ => {}
        }
    }
    out
}

/// The one suggestion to show, if any (pure).
///
/// Only fixes from the last [`SUGGEST_WINDOW_MS`] before `now_ms` count. For a post this device
/// is **not** on, the fence ([`fence::visits`]) must hold an open visit that began after the
/// device's last departure from it (so checking out while still standing there does not bring
/// the suggestion straight back). For a post the device **is** on, the fence's departure rule
/// applies from the check-in on: certainly-outside fixes after the last certainly-inside one,
/// spanning [`FenceParams::leave_dwell_s`], the first of them after the check-in (the arrival
/// itself may be older than the fixes: a manual check-in, a patrol started on post). Uncertain
/// fixes — an accuracy circle across the fence, or worse than the accuracy gate — never decide
/// anything. Departures come first; among arrivals, the latest.
pub fn suggest(
    posts: &[Post],
    standing: &BTreeMap<PostId, PostStanding>,
    fixes: &[PositionFix],
    now_ms: i64,
    params: &FenceParams,
) -> Option<PostSuggestion> {
    let from_ms = now_ms.saturating_sub(SUGGEST_WINDOW_MS);
    let recent: Vec<PositionFix> = event_order(fixes)
        .into_iter()
        .filter(|f| f.time_ms.is_some_and(|t| t >= from_ms))
        .collect();
    if recent.is_empty() {
        return None;
    }
    let mut departure: Option<PostSuggestion> = None;
    let mut arrival: Option<PostSuggestion> = None;
    for post in posts {
        let s = standing.get(&post.id).cloned().unwrap_or_default();
        let after = s.since_ms.unwrap_or(i64::MIN);
        if s.on_post {
            if departure.is_none()
                && let Some(d) = departed(post, &recent, after, params)
            {
                departure = Some(d);
            }
        } else if let Some(a) = arrived(post, &recent, after, params)
            && arrival.as_ref().is_none_or(|b| a.since_ms > b.since_ms)
        {
            arrival = Some(a);
        }
    }
    departure.or(arrival)
}

fn position(fix: &PositionFix) -> LatLon {
    LatLon {
        lat: fix.lat,
        lon: fix.lon,
    }
}

fn dwell_s(from_ms: i64, to_ms: i64) -> u32 {
    u32::try_from(to_ms.saturating_sub(from_ms).max(0) / 1000).unwrap_or(u32::MAX)
}

fn arrived(
    post: &Post,
    recent: &[PositionFix],
    after_ms: i64,
    params: &FenceParams,
) -> Option<PostSuggestion> {
    let visit = fence::visits(post, recent, params).pop()?;
    if visit.leave_ms.is_some() || visit.arrive_ms <= after_ms {
        return None;
    }
    let last_inside = recent.iter().rev().find(|f| {
        f.time_ms.is_some_and(|t| t >= visit.arrive_ms)
            && fence::side(post, f, params) == FenceSide::Inside
    })?;
    Some(PostSuggestion {
        action: SuggestedAction::Arrive,
        post_id: post.id.clone(),
        name: post.name.clone(),
        since_ms: visit.arrive_ms,
        evidence: VisitEvidence {
            source: "geofence".into(),
            fixes_inside: visit.fixes_inside,
            dwell_s: dwell_s(
                visit.arrive_ms,
                last_inside.time_ms.unwrap_or(visit.arrive_ms),
            ),
            best_accuracy_m: visit.best_accuracy_m,
            at: Some(position(last_inside)),
        },
    })
}

fn departed(
    post: &Post,
    recent: &[PositionFix],
    after_ms: i64,
    params: &FenceParams,
) -> Option<PostSuggestion> {
    let mut inside = 0u32;
    // The run of certainly-outside fixes since the last certainly-inside one.
    let mut run: Option<(i64, &PositionFix, Option<f64>)> = None;
    let mut last_outside: Option<&PositionFix> = None;
    for f in recent {
        let Some(t) = f.time_ms else { continue };
        match fence::side(post, f, params) {
            FenceSide::Inside => {
                inside += 1;
                run = None;
            }
            FenceSide::Outside => {
                let (first, _, best) = run.unwrap_or((t, f, None));
                let best = match (best, f.accuracy_m) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                run = Some((first, f, best));
                last_outside = Some(f);
            }
            FenceSide::Uncertain => {}
        }
    }
    let (first_ms, last, best) = run?;
    let last_ms = last_outside.and_then(|f| f.time_ms)?;
    if first_ms <= after_ms || last_ms - first_ms < i64::from(params.leave_dwell_s) * 1000 {
        return None;
    }
    Some(PostSuggestion {
        action: SuggestedAction::Leave,
        post_id: post.id.clone(),
        name: post.name.clone(),
        since_ms: first_ms,
        evidence: VisitEvidence {
            source: "geofence".into(),
            fixes_inside: inside,
            dwell_s: dwell_s(first_ms, last_ms),
            best_accuracy_m: best,
            at: Some(position(last)),
        },
    })
}

impl Store {
    /// Each post's standing from this device's check-ins ([`post_standing`]).
    pub fn post_standing(&self) -> Result<BTreeMap<PostId, PostStanding>> {
        Ok(post_standing(&self.standing(&[
            EntryKind::PostArrived,
            EntryKind::PostLeft,
        ])?))
    }

    /// What the geofence suggests now ([`suggest`]): the running patrol's fixes of the last
    /// [`SUGGEST_WINDOW_MS`] (sealed track segments and the buffer) against the city's posts,
    /// with the city's accuracy gate. `None` without reference data, without a running patrol
    /// (fixes are recorded only while one runs, so there is nothing to read), or when the fence
    /// has nothing to say. Never writes.
    pub fn post_suggestion(&self) -> Result<Option<PostSuggestion>> {
        let Some(city) = self.city()? else {
            return Ok(None);
        };
        let Some(patrol) = self.open_patrol()? else {
            return Ok(None);
        };
        let fixes = self.patrol_fixes(patrol.patrol_id)?;
        let params = FenceParams {
            accuracy_gate_m: City::accuracy_gate_of(Some(&city)),
            ..FenceParams::default()
        };
        Ok(suggest(
            &city.posts,
            &self.post_standing()?,
            &fixes,
            self.clock.wall_ms(),
            &params,
        ))
    }
}

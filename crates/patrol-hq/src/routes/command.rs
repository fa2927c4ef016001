//! What the command-centre page reads beyond the figures: the live channel (SSE), the
//! "1-3-5 minute" coverage layer, presence per cell, a patrol's replay, the reports list, the
//! daily bulletin and the city's map pack.

use super::json::ApiQuery;
use super::operator::{DAY_MS, DateQuery, span};
use crate::auth::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::{AppState, projections, service};
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use patrol_model::v1;
use patrol_model::{EntryKind, PatrolId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often an open stream checks that its session (or token) is still good: a revoked
/// session's stream ends within this.
const RECHECK: Duration = Duration::from_secs(5);

/// Still signed in, as a fresh request with the same headers would be.
async fn still_authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let mut req = axum::http::Request::new(());
    *req.headers_mut() = headers.clone();
    let (mut parts, ()) = req.into_parts();
    OperatorAuth::from_request_parts(&mut parts, state)
        .await
        .is_ok()
}

#[utoipa::path(get, path = "/api/v1/events", tag = "command", security(("operator" = [])), responses((status = 200, description = "text/event-stream: `upload` {device_id, head_seq, entries}, `devices` {}, `city` {}, `lagged` {} (refetch everything); a comment every 15 s keeps proxies from closing it", content_type = "text/event-stream"), (status = 401, description = "not signed in", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    _op: OperatorAuth,
    headers: HeaderMap,
) -> impl IntoResponse {
    let (rx, closed) = state.events.subscribe();
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let init = (rx, closed, recheck, state, headers);
    let stream = futures_util::stream::unfold(
        init,
        |(mut rx, mut closed, mut recheck, state, headers)| async move {
            loop {
                tokio::select! {
                    got = rx.recv() => {
                        let event = match got {
                            // Told by the relay, or fallen behind here: the same to the page.
                            Ok(crate::events::HqEvent::Lagged) | Err(RecvError::Lagged(_)) => {
                                Event::default().event("lagged").data("{}")
                            }
                            Ok(e) => Event::default()
                                .event(e.name())
                                .data(serde_json::to_string(&e).unwrap_or_default()),
                            Err(RecvError::Closed) => return None,
                        };
                        return Some((Ok::<_, Infallible>(event), (rx, closed, recheck, state, headers)));
                    }
                    _ = recheck.tick() => {
                        if !still_authorised(&state, &headers).await {
                            return None;
                        }
                    }
                    _ = closed.changed() => return None,
                }
            }
        },
    );
    (
        // A proxy in front (nginx, the documented one) must pass each event on as it comes,
        // not hold the stream in its buffer.
        [
            (
                header::HeaderName::from_static("x-accel-buffering"),
                header::HeaderValue::from_static("no"),
            ),
            (
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            ),
        ],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
}

#[utoipa::path(get, path = "/api/v1/coverage", tag = "command", security(("operator" = [])), responses((status = 200, description = "the estimated best arrival time per grid cell, in 1/3/5/over-5 minute bands, with the model's parameters", body = projections::Coverage), (status = 404, description = "HQ has no city yet", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    _op: OperatorAuth,
) -> ApiResult<Json<projections::Coverage>> {
    let city = state
        .storage
        .city()
        .await?
        .ok_or_else(|| ApiError::NotFound("HQ has no city yet".into()))?;
    let units = crate::service::live_units(&state).await?;
    Ok(Json(projections::coverage(
        &city.cells,
        &units,
        &projections::CoverageModel::default(),
        state.now_ms(),
    )))
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

impl DayQuery {
    fn as_date_query(&self) -> DateQuery {
        DateQuery {
            date: self.date.clone(),
            from: None,
            to: None,
            patrol: None,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/presence", tag = "command", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)")), security(("operator" = [])), responses((status = 200, description = "unit-minutes of patrol presence per grid cell, by day and by night", body = projections::Presence), (status = 400, description = "bad day", body = v1::ErrorBody), (status = 404, description = "HQ has no city yet", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn presence(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<projections::Presence>> {
    let (city, _, day, _, start, end) = span(&state, &q.as_date_query()).await?;
    let city = city.ok_or_else(|| ApiError::NotFound("HQ has no city yet".into()))?;
    if let Some(p) = service::day_presence(&state, &city, day).await? {
        return Ok(Json(p));
    }
    // Rollups not built yet (an old ledger, before the start-up rebuild): from the segments.
    let starts = state
        .storage
        .entries_between(start - DAY_MS, end, Some(&[EntryKind::PatrolStarted]))
        .await?;
    let ids: Vec<PatrolId> = starts.iter().filter_map(|s| s.patrol_id).collect();
    let entries = state.storage.patrol_entries(&ids).await?;
    let supplements = service::supplements_of(&state, &entries).await?;
    let ctx = projections::rollup::RollContext::of(Some(&city));
    let rows = projections::rollup::rollups_from_ledger(&entries, &supplements, &ctx);
    Ok(Json(projections::presence(&rows, &city.cells, day)))
}

#[utoipa::path(get, path = "/api/v1/patrols/{patrol_id}/track", tag = "command", params(("patrol_id" = String, Path)), security(("operator" = [])), responses((status = 200, description = "the patrol's route for replay: timed points, segments split at gaps, stops, totals", body = projections::PatrolTrack), (status = 400, description = "not a patrol id", body = v1::ErrorBody), (status = 404, description = "no such patrol", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn patrol_track(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<projections::PatrolTrack>> {
    let patrol: PatrolId = id
        .parse()
        .map_err(|_| ApiError::bad("bad_patrol", format!("`{id}` is not a patrol id")))?;
    service::audit(&state, &op.0, "read_route", Some(patrol.to_string())).await?;
    let entries = state.storage.patrol_entries(&[patrol]).await?;
    let supplements = service::supplements_of(&state, &entries).await?;
    let city = state.storage.city().await?;
    let route = projections::patrol_routes(&entries, &supplements, city.as_ref())
        .into_iter()
        .find(|r| r.summary.patrol_id == patrol)
        .ok_or_else(|| ApiError::NotFound(format!("no patrol {patrol}")))?;
    Ok(Json(projections::track(&route)))
}

#[derive(Debug, Deserialize)]
pub struct ReportsQuery {
    date: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Entry kind: `violation`, `lost_person`, `traffic_accident`, `assistance`, `incident`,
    /// `post_arrived`, `post_left`.
    kind: Option<String>,
    group: Option<String>,
    cell: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "command", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included"), ("kind" = Option<String>, Query, description = "entry kind, e.g. violation, lost_person, traffic_accident, assistance, incident, post_arrived"), ("group" = Option<String>, Query), ("cell" = Option<String>, Query)), security(("operator" = [])), responses((status = 200, description = "standing reports in event-time order, as the CSV export has them, with group, photos, history and the record", body = Vec<projections::ReportItem>), (status = 400, description = "bad day or span", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn reports(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<ReportsQuery>,
) -> ApiResult<Json<Vec<projections::ReportItem>>> {
    let src = report_sources(&state, &op, &q).await?;
    let f = q.filter();
    let mut items = projections::report_items(&src.window, &src.supplements, src.tz, &src.group_of);
    items.retain(|r| {
        f.kind.is_none_or(|k| r.kind == k)
            && f.group.is_none_or(|g| r.group.as_deref() == Some(g))
            && f.cell.is_none_or(|c| r.cell.as_deref() == Some(c))
    });
    Ok(Json(items))
}

/// What the reports list is read from: the entries of `q`'s day or span (all but track
/// segments), the supplements naming them, the group of each patrol and the city's zone.
struct ReportSources {
    window: Vec<crate::storage::StoredEntry>,
    supplements: Vec<crate::storage::StoredEntry>,
    group_of: HashMap<PatrolId, String>,
    tz: chrono_tz::Tz,
}

async fn report_sources(
    state: &AppState,
    op: &OperatorAuth,
    q: &ReportsQuery,
) -> ApiResult<ReportSources> {
    let dq = DateQuery {
        date: q.date.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        patrol: None,
    };
    let (_, tz, _, _, start, end) = span(state, &dq).await?;
    service::audit(state, &op.0, "read_reports", q.date.clone()).await?;
    let window = state
        .storage
        .entries_between(start, end, Some(service::NOT_TRACKS))
        .await?;
    let supplements = service::supplements_of(state, &window).await?;
    let group_of = groups_of_patrols(state, start, end).await?;
    Ok(ReportSources {
        window,
        supplements,
        group_of,
        tz,
    })
}

/// The group of each patrol the reports of `start..end` may have been made on (those started
/// up to a day before).
async fn groups_of_patrols(
    state: &AppState,
    start: i64,
    end: i64,
) -> ApiResult<HashMap<PatrolId, String>> {
    let starts = state
        .storage
        .entries_between(start - DAY_MS, end, Some(&[EntryKind::PatrolStarted]))
        .await?;
    let supplements = service::supplements_of(state, &starts).await?;
    Ok(projections::patrols(&starts, &supplements, None)
        .into_iter()
        .map(|p| (p.patrol_id, p.group.to_string()))
        .collect())
}

impl ReportsQuery {
    fn filter(&self) -> projections::ReportFilter<'_> {
        projections::ReportFilter {
            kind: self.kind.as_deref(),
            group: self.group.as_deref(),
            cell: self.cell.as_deref(),
        }
    }
}

/// Reports per page when `limit` is not given.
pub const REPORTS_PAGE: usize = 200;
/// Most reports in one page.
pub const REPORTS_PAGE_MAX: usize = 2000;

#[derive(Debug, Deserialize)]
pub struct ReportsPageQuery {
    #[serde(flatten)]
    filter: ReportsQuery,
    limit: Option<String>,
    before: Option<String>,
}

/// `GET /api/v1/reports/page`: one page of the reports list, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportsPage {
    /// Standing reports matching the day and filters, all pages together.
    pub total: usize,
    /// At most `limit` of them, newest first (event time, then device and seq).
    pub items: Vec<projections::ReportItem>,
    /// Pass as `before` for the next, older page; absent on the last page.
    pub next: Option<String>,
}

/// Where a page ends: the last item's event time, device and seq.
fn cursor(r: &projections::ReportItem) -> String {
    format!("{}:{}:{}", r.event_ms, r.device_id, r.seq)
}

/// The sort key `cursor` wrote, or what is wrong with it.
fn parse_cursor(s: &str) -> Result<projections::ReportKey, ApiError> {
    let bad = || {
        ApiError::bad(
            "bad_cursor",
            format!("before={s:?} is not a cursor this endpoint gave (EVENT_MS:DEVICE_ID:SEQ)"),
        )
    };
    let mut parts = s.splitn(3, ':');
    let (Some(ms), Some(device), Some(seq)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    Ok((
        ms.parse().map_err(|_| bad())?,
        device.parse().map_err(|_| bad())?,
        seq.parse().map_err(|_| bad())?,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/page", tag = "command", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included"), ("kind" = Option<String>, Query, description = "entry kind, as /api/v1/reports"), ("group" = Option<String>, Query), ("cell" = Option<String>, Query), ("limit" = Option<u32>, Query, description = "reports per page, 1–2000 (default 200)"), ("before" = Option<String>, Query, description = "the `next` of the previous page: only reports older than it")), security(("operator" = [])), responses((status = 200, description = "one page of the standing reports, newest first, with the total and where the next page starts; a city's day holds tens of thousands, which the page never loads at once", body = ReportsPage), (status = 400, description = "bad day, span, limit or cursor", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn reports_page(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<ReportsPageQuery>,
) -> ApiResult<Json<ReportsPage>> {
    let limit = match q.limit.as_deref() {
        None => REPORTS_PAGE,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=REPORTS_PAGE_MAX).contains(n))
            .ok_or_else(|| {
                ApiError::bad(
                    "bad_limit",
                    format!("limit={l:?}: a page holds 1 to {REPORTS_PAGE_MAX} reports"),
                )
            })?,
    };
    let before = q.before.as_deref().map(parse_cursor).transpose()?;
    // The day's reports are tens of thousands at a city's scale: they are filtered, counted
    // and ordered by their keys, and only the page's are read whole.
    let dq = DateQuery {
        date: q.filter.date.clone(),
        from: q.filter.from.clone(),
        to: q.filter.to.clone(),
        patrol: None,
    };
    let (_, tz, _, _, start, end) = span(&state, &dq).await?;
    service::audit(&state, &op.0, "read_reports", q.filter.date.clone()).await?;
    let keys = state
        .storage
        .entry_keys_between(start, end, projections::REPORT_KINDS)
        .await?;
    let supplements =
        service::supplements_naming(&state, keys.iter().map(|k| (k.device_id, k.seq))).await?;
    let group_of = groups_of_patrols(&state, start, end).await?;
    let filter = q.filter.filter();
    let (total, page, more) =
        projections::report_page_keys(&keys, &supplements, &group_of, filter, before, limit);
    let rows = state.storage.entries_at(&page).await?;
    let (_, items, _) =
        projections::report_page(&rows, &supplements, tz, &group_of, filter, None, limit);
    let next = more.then(|| items.last().map(cursor)).flatten();
    Ok(Json(ReportsPage { total, items, next }))
}

#[derive(Debug, Deserialize)]
pub struct BulletinQuery {
    date: Option<String>,
    lang: Option<String>,
}

/// `GET /api/v1/bulletin`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Bulletin {
    #[schema(value_type = String)]
    pub date: chrono::NaiveDate,
    /// `zh-CN` or `en`.
    pub lang: String,
    pub text: String,
    /// The figures the text was made from (the same as `/api/v1/stats/daily` for that day).
    pub stats: v1::DailyStats,
}

#[utoipa::path(get, path = "/api/v1/bulletin", tag = "command", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("lang" = Option<String>, Query, description = "zh-CN (default) or en")), security(("operator" = [])), responses((status = 200, description = "the daily bulletin paragraph, generated from the day's figures", body = Bulletin), (status = 400, description = "bad day or language", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn bulletin(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<BulletinQuery>,
) -> ApiResult<Json<Bulletin>> {
    let lang = projections::Lang::parse(q.lang.as_deref())
        .ok_or_else(|| ApiError::bad("bad_lang", "lang must be zh-CN or en"))?;
    let dq = DayQuery { date: q.date }.as_date_query();
    let (city, tz, day, _, start, end) = span(&state, &dq).await?;
    let stats = service::span_figures(&state, city.as_ref(), tz, (day, day), (start, end))
        .await?
        .daily
        .remove(0);
    Ok(Json(Bulletin {
        date: day,
        lang: lang.tag().into(),
        text: projections::bulletin(&stats, lang),
        stats,
    }))
}

/// `GET /api/v1/map`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapInfo {
    /// The city's map pack, or `null` when HQ serves none (the page then draws no base map).
    pub pack: Option<crate::map::MapPackInfo>,
}

#[utoipa::path(get, path = "/api/v1/map", tag = "command", security(("operator" = [])), responses((status = 200, description = "whether HQ serves a base map, and its format and zooms", body = MapInfo), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn map_info(State(state): State<AppState>, _op: OperatorAuth) -> Json<MapInfo> {
    Json(MapInfo {
        pack: state.map_pack.as_ref().map(|p| p.info.clone()),
    })
}

#[utoipa::path(get, path = "/api/v1/map/tiles/{z}/{x}/{y}", tag = "command", params(("z" = u8, Path), ("x" = u32, Path), ("y" = u32, Path, description = "XYZ (web) row; a `.png`/`.jpg`/`.webp` suffix is allowed")), security(("operator" = [])), responses((status = 200, description = "the tile's bytes", content_type = "image/png"), (status = 404, description = "no pack, or no such tile", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody)))]
pub async fn map_tile(
    State(state): State<AppState>,
    _op: OperatorAuth,
    Path((z, x, y)): Path<(u8, u32, String)>,
) -> ApiResult<Response> {
    let pack = state
        .map_pack
        .clone()
        .ok_or_else(|| ApiError::NotFound("HQ serves no map pack".into()))?;
    let y: u32 = y
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| ApiError::bad("bad_tile", "tile row must be a number"))?;
    let tile = tokio::task::spawn_blocking(move || pack.tile(z, x, y).map(|t| (t, pack.mime())))
        .await
        .map_err(|e| ApiError::Internal(format!("tile reader: {e}")))?
        .map_err(ApiError::Internal)?;
    match tile {
        (Some(bytes), mime) => Ok((
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            bytes,
        )
            .into_response()),
        (None, _) => Err(ApiError::NotFound(format!("no tile {z}/{x}/{y}"))),
    }
}

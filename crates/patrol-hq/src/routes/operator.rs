//! What people read (command centre, scripts): devices, enrolment codes, daily statistics,
//! patrols and routes, post compliance, unit positions, exports, quarantine, conflicts, chain
//! verification. All of it is derived from the stored ledger on request, so a late upload is
//! simply part of the next answer — never double counted.

use super::ApiJson;
use super::json::ApiQuery;
use crate::auth::OperatorAuth;
use crate::error::{ApiError, ApiResult};
use crate::storage::{DeviceRow, ImportSummary, StoredEntry};
use crate::{AppState, projections, service, verify};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use patrol_model::v1::{self, Conflict, EntryProblem};
use patrol_model::{City, DeviceId, EntryKind, PatrolId};
use serde::{Deserialize, Serialize};

#[utoipa::path(get, path = "/api/v1/devices", tag = "operator", security(("operator" = [])), responses((status = 200, description = "enrolled devices", body = Vec<DeviceRow>), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn devices(
    State(state): State<AppState>,
    _op: OperatorAuth,
) -> ApiResult<Json<Vec<DeviceRow>>> {
    Ok(Json(state.storage.devices().await?))
}

#[utoipa::path(post, path = "/api/v1/devices/{device_id}/revoke", tag = "operator", params(("device_id" = String, Path)), security(("operator" = [])), responses((status = 200, description = "revoked"), (status = 404, description = "no such device", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    op.0.require_admin()?;
    let id: DeviceId = id
        .parse()
        .map_err(|_| ApiError::bad("bad_device_id", format!("`{id}` is not a device id")))?;
    service::audit(&state, &op.0, "device_revoked", Some(id.to_string())).await?;
    if !state.storage.revoke_device(id, state.now_ms()).await? {
        return Err(ApiError::NotFound(format!("no device {id}")));
    }
    tracing::warn!(device = %id, by = %op.0.name, "device revoked");
    state.events.publish(crate::events::HqEvent::Devices);
    Ok(Json(
        serde_json::json!({ "device_id": id, "status": "revoked" }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct NewEnrollment {
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/enrollments", tag = "operator", security(("operator" = [])), responses((status = 200, description = "a one-time enrolment code, with its QR code as SVG", body = service::EnrollmentCode), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn create_enrollment(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiJson(req): ApiJson<NewEnrollment>,
) -> ApiResult<Json<service::EnrollmentCode>> {
    op.0.require_admin()?;
    let mut code = service::new_enrollment(&state, &req.name).await?;
    code.qr_svg = service::qr_svg(&code.code);
    service::audit(
        &state,
        &op.0,
        "enrollment_code_created",
        Some(code.name.clone()),
    )
    .await?;
    Ok(Json(code))
}

/// A day (`date`), or a span of days (`from`, `to`, both included), in the city's local time;
/// today when none is given.
#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub(crate) date: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) patrol: Option<String>,
}

/// Longest span one request may ask for: a year and a month (a campaign report).
pub const MAX_SPAN_DAYS: i64 = 400;

impl DateQuery {
    fn today(tz: Tz, now_ms: i64) -> NaiveDate {
        tz.timestamp_millis_opt(now_ms)
            .single()
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }

    /// The first and last local day asked for.
    fn span(&self, tz: Tz, now_ms: i64) -> ApiResult<(NaiveDate, NaiveDate)> {
        let today = || Self::today(tz, now_ms);
        let (from, to) = match (&self.date, &self.from, &self.to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(ApiError::bad(
                    "bad_date",
                    "give either `date` or `from`/`to`, not both",
                ));
            }
            (Some(d), None, None) => {
                let d = parse_day(d)?;
                (d, d)
            }
            (None, None, None) => (today(), today()),
            (None, Some(f), None) => (parse_day(f)?, today()),
            (None, None, Some(t)) => {
                let t = parse_day(t)?;
                (t, t)
            }
            (None, Some(f), Some(t)) => (parse_day(f)?, parse_day(t)?),
        };
        check_span(from, to)?;
        Ok((from, to))
    }
}

fn check_span(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if to < from {
        return Err(ApiError::bad(
            "bad_range",
            format!("`to` {to} is before `from` {from}"),
        ));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_SPAN_DAYS {
        return Err(ApiError::bad(
            "bad_range",
            format!("{days} days asked for; at most {MAX_SPAN_DAYS} at once"),
        ));
    }
    Ok(())
}

/// The first and last day HQ answers for: the years its time checks believe (2000–2099).
pub const FIRST_DAY: (i32, u32, u32) = (2000, 1, 1);
pub const LAST_DAY: (i32, u32, u32) = (2099, 12, 31);

/// A `YYYY-MM-DD` day parameter, within [`FIRST_DAY`]..=[`LAST_DAY`]. Far dates
/// (`-262143-01-01`) are refused here, before any time-zone arithmetic could overflow on them.
pub fn parse_day(d: &str) -> ApiResult<NaiveDate> {
    let shown: String = d.chars().take(40).collect();
    let day = NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map_err(|_| ApiError::bad("bad_date", format!("date `{shown}` must be YYYY-MM-DD")))?;
    let ymd = |(y, m, dd): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, dd);
    match (ymd(FIRST_DAY), ymd(LAST_DAY)) {
        (Some(first), Some(last)) if (first..=last).contains(&day) => Ok(day),
        _ => Err(ApiError::bad(
            "bad_date",
            format!("date `{shown}` is outside 2000-01-01 … 2099-12-31"),
        )),
    }
}

/// The UTC instant of local midnight starting `day`.
fn midnight(tz: Tz, day: NaiveDate) -> i64 {
    patrol_geo::duty::local_to_utc_ms(tz, day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The city (if any), its zone, the first and last local day asked for, and their UTC range.
pub(crate) async fn span(
    state: &AppState,
    q: &DateQuery,
) -> ApiResult<(Option<City>, Tz, NaiveDate, NaiveDate, i64, i64)> {
    let city = state.storage.city().await?;
    let tz = city.as_ref().map_or(chrono_tz::Asia::Shanghai, City::tz);
    let (from, to) = q.span(tz, state.now_ms())?;
    Ok((city, tz, from, to, midnight(tz, from), after(tz, to)?))
}

/// The UTC instant of the midnight ending local day `to`.
fn after(tz: Tz, to: NaiveDate) -> ApiResult<i64> {
    let next = to
        .succ_opt()
        .ok_or_else(|| ApiError::bad("bad_date", "date out of range"))?;
    Ok(midnight(tz, next))
}

/// A visit opened late the day before is still open at midnight: the figures follow visits from
/// a day before the span.
pub(crate) const DAY_MS: i64 = 24 * 3600 * 1000;

#[utoipa::path(get, path = "/api/v1/stats/daily", tag = "operator", params(("date" = Option<String>, Query, description = "YYYY-MM-DD, local day of the city (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day (the answer is then a RangeStats, as /api/v1/stats/range gives)"), ("to" = Option<String>, Query, description = "last local day of the span, included")), security(("operator" = [])), responses((status = 200, description = "DailyStats for one day; RangeStats for a span (from/to)", body = v1::DailyStats), (status = 400, description = "bad day or span", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn daily_stats(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<axum::response::Response> {
    let (city, tz, from, to, start, end) = span(&state, &q).await?;
    // A span asked of the daily figures: each day of it, with totals and averages.
    if q.from.is_some() || q.to.is_some() {
        return Ok(range(&state, city.as_ref(), tz, from, to, start, end)
            .await?
            .into_response());
    }
    let mut span =
        service::span_figures(&state, city.as_ref(), tz, (from, from), (start, end)).await?;
    Ok(Json(span.daily.remove(0)).into_response())
}

#[utoipa::path(get, path = "/api/v1/stats/range", tag = "operator", params(("from" = Option<String>, Query, description = "first local day, YYYY-MM-DD (default today)"), ("to" = Option<String>, Query, description = "last local day, included (default today)")), security(("operator" = [])), responses((status = 200, body = v1::RangeStats), (status = 400, description = "bad day or span", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn range_stats(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<Json<v1::RangeStats>> {
    let (city, tz, from, to, start, end) = span(&state, &q).await?;
    range(&state, city.as_ref(), tz, from, to, start, end).await
}

#[derive(Debug, Deserialize)]
pub struct CampaignQuery {
    to: Option<String>,
}

/// Totals since the campaign began ("8月26日以来累计…"): from the city's `campaign_start` to
/// `to` (today by default), with per-day averages and each day's figures.
#[utoipa::path(get, path = "/api/v1/stats/campaign", tag = "operator", params(("to" = Option<String>, Query, description = "last local day, included (default today)")), security(("operator" = [])), responses((status = 200, body = v1::RangeStats), (status = 404, description = "the city sets no campaign_start", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn campaign_stats(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> ApiResult<Json<v1::RangeStats>> {
    let city = state.storage.city().await?;
    let Some(from) = city.as_ref().and_then(|c| c.settings.campaign_start) else {
        return Err(ApiError::NotFound(
            "the city sets no campaign_start; add it to the city file and import it again".into(),
        ));
    };
    let tz = city.as_ref().map_or(chrono_tz::Asia::Shanghai, City::tz);
    let to = match &q.to {
        Some(t) => parse_day(t)?,
        None => DateQuery::today(tz, state.now_ms()),
    };
    check_span(from, to)?;
    let (start, end) = (midnight(tz, from), after(tz, to)?);
    range(&state, city.as_ref(), tz, from, to, start, end).await
}

async fn range(
    state: &AppState,
    city: Option<&City>,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    start: i64,
    end: i64,
) -> ApiResult<Json<v1::RangeStats>> {
    Ok(Json(
        service::span_figures(state, city, tz, (from, to), (start, end)).await?,
    ))
}

/// Entries of every patrol started in the span (their routes may run past midnight).
async fn day_patrol_entries(state: &AppState, q: &DateQuery) -> ApiResult<Vec<StoredEntry>> {
    let (_, _, _, _, start, end) = span(state, q).await?;
    let starts = state
        .storage
        .entries_between(start, end, Some(&[EntryKind::PatrolStarted]))
        .await?;
    let mut ids: Vec<PatrolId> = starts.iter().filter_map(|s| s.patrol_id).collect();
    if let Some(p) = &q.patrol {
        let p: PatrolId = p
            .parse()
            .map_err(|_| ApiError::bad("bad_patrol", format!("`{p}` is not a patrol id")))?;
        ids = vec![p];
    }
    Ok(state.storage.patrol_entries(&ids).await?)
}

/// Routes of the patrols started that day (or of `patrol`), ready for GPX or GeoJSON.
async fn day_tracks(state: &AppState, q: &DateQuery) -> ApiResult<Vec<patrol_gpx::ExportTrack>> {
    let entries = day_patrol_entries(state, q).await?;
    let supplements = service::supplements_of(state, &entries).await?;
    let city = state.storage.city().await?;
    Ok(projections::route_tracks(&projections::patrol_routes(
        &entries,
        &supplements,
        city.as_ref(),
    )))
}

#[utoipa::path(get, path = "/api/v1/patrols", tag = "operator", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included")), security(("operator" = [])), responses((status = 200, description = "patrols started that day", body = Vec<projections::PatrolSummary>), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn patrols(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    service::audit(&state, &op.0, "read_patrols", q.date.clone()).await?;
    let city = state.storage.city().await?;
    if q.patrol.is_none() {
        let (_, _, _, _, start, end) = span(&state, &q).await?;
        if let Some(list) = service::span_patrols(&state, city.as_ref(), (start, end)).await? {
            return Ok(Json(list));
        }
    }
    let entries = day_patrol_entries(&state, &q).await?;
    let supplements = service::supplements_of(&state, &entries).await?;
    // The city's accuracy gate decides which fixes count in `km`.
    Ok(Json(projections::patrols(
        &entries,
        &supplements,
        city.as_ref(),
    )))
}

#[utoipa::path(get, path = "/api/v1/export/routes.geojson", tag = "operator", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included"), ("patrol" = Option<String>, Query)), security(("operator" = [])), responses((status = 200, description = "RFC 7946 FeatureCollection", content_type = "application/geo+json"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn routes_geojson(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    service::audit(&state, &op.0, "export_routes_geojson", q.date.clone()).await?;
    let tracks = day_tracks(&state, &q).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        patrol_gpx::write_geojson(&tracks).to_string(),
    ))
}

#[utoipa::path(get, path = "/api/v1/export/routes.gpx", tag = "operator", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included"), ("patrol" = Option<String>, Query)), security(("operator" = [])), responses((status = 200, description = "GPX 1.1", content_type = "application/gpx+xml"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn routes_gpx(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    service::audit(&state, &op.0, "export_routes_gpx", q.date.clone()).await?;
    let tracks = day_tracks(&state, &q).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/gpx+xml")],
        patrol_gpx::write_gpx(&tracks),
    ))
}

#[utoipa::path(get, path = "/api/v1/export/reports.csv", tag = "operator", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included")), security(("operator" = [])), responses((status = 200, description = "one row per standing report", content_type = "text/csv"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn reports_csv(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    service::audit(&state, &op.0, "export_reports_csv", q.date.clone()).await?;
    let (_, tz, _, _, start, end) = span(&state, &q).await?;
    let window = state
        .storage
        .entries_between(start, end, Some(service::NOT_TRACKS))
        .await?;
    // A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    let csv = format!(
        "\u{FEFF}{}",
        projections::reports_csv(
            &window,
            &service::supplements_of(&state, &window).await?,
            tz
        )
    );
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv))
}

#[utoipa::path(get, path = "/api/v1/posts/compliance", tag = "operator", params(("date" = Option<String>, Query, description = "one local day, YYYY-MM-DD (default today)"), ("from" = Option<String>, Query, description = "or a span: first local day"), ("to" = Option<String>, Query, description = "last local day, included")), security(("operator" = [])), responses((status = 200, description = "minutes on post per duty window", body = Vec<projections::PostCompliance>), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn post_compliance(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<impl IntoResponse> {
    let (city, _, from, to, start, end) = span(&state, &q).await?;
    let Some(city) = city else {
        return Err(ApiError::NotFound("HQ has no city yet".into()));
    };
    if (to - from).num_days() >= 31 {
        return Err(ApiError::bad(
            "bad_range",
            "post compliance covers at most 31 days at once",
        ));
    }
    // Check-ins and check-outs make the visits; a visit still open counts up to its device's
    // latest evidence: its latest entry, or the last fix of its latest segment. Those two
    // entries per device stand in for the whole day of track segments.
    let from_ms = start.saturating_sub(DAY_MS);
    let mut window = state
        .storage
        .entries_between(
            from_ms,
            end,
            Some(&[EntryKind::PostArrived, EntryKind::PostLeft]),
        )
        .await?;
    let mut devices: Vec<DeviceId> = window.iter().map(|e| e.entry.device_id).collect();
    devices.sort();
    devices.dedup();
    for kind in [None, Some(EntryKind::TrackSegment)] {
        window.extend(
            state
                .storage
                .latest_entries(&devices, kind, from_ms, end)
                .await?,
        );
    }
    let supplements = service::supplements_of(&state, &window).await?;
    let now = state.now_ms();
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        out.extend(projections::post_compliance(
            &window,
            &supplements,
            &city,
            day,
            now,
        ));
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/units", tag = "operator", security(("operator" = [])), responses((status = 200, description = "last position of every running patrol", body = Vec<projections::UnitPosition>), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn units(
    State(state): State<AppState>,
    _op: OperatorAuth,
) -> ApiResult<Json<Vec<projections::UnitPosition>>> {
    Ok(Json(service::live_units(&state).await?))
}

/// The last position of every running patrol, now.

#[utoipa::path(get, path = "/api/v1/quarantine", tag = "operator", security(("operator" = [])), responses((status = 200, description = "entries kept out of the figures", body = Vec<QuarantinedEntry>), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn quarantine(
    State(state): State<AppState>,
    _op: OperatorAuth,
) -> ApiResult<Json<Vec<DeviceProblem<EntryProblem>>>> {
    let rows = state.storage.quarantined(None).await?;
    Ok(by_device(rows))
}

#[utoipa::path(get, path = "/api/v1/conflicts", tag = "operator", security(("operator" = [])), responses((status = 200, description = "same seq, different bytes: kept aside", body = Vec<DeviceConflict>), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn conflicts(
    State(state): State<AppState>,
    _op: OperatorAuth,
) -> ApiResult<Json<Vec<DeviceProblem<Conflict>>>> {
    let rows = state.storage.conflicts(None).await?;
    Ok(by_device(rows))
}

fn by_device<T>(rows: Vec<(DeviceId, T)>) -> Json<Vec<DeviceProblem<T>>> {
    Json(
        rows.into_iter()
            .map(|(device_id, problem)| DeviceProblem { device_id, problem })
            .collect(),
    )
}

/// A quarantined entry, with its device (the schema of `DeviceProblem<EntryProblem>`).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct QuarantinedEntry {
    device_id: String,
    #[schema(inline)]
    #[serde(flatten)]
    problem: EntryProblem,
}

/// A conflict, with its device (the schema of `DeviceProblem<Conflict>`).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DeviceConflict {
    device_id: String,
    #[schema(inline)]
    #[serde(flatten)]
    problem: Conflict,
}

/// A quarantined entry or a conflict, with the device it came from.
#[derive(Debug, Serialize)]
pub struct DeviceProblem<T> {
    pub device_id: DeviceId,
    #[serde(flatten)]
    pub problem: T,
}

#[utoipa::path(get, path = "/api/v1/verify", tag = "operator", security(("operator" = [])), responses((status = 200, description = "every device chain verified"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    _op: OperatorAuth,
) -> ApiResult<Json<Vec<verify::ChainReport>>> {
    Ok(Json(verify::verify_all(state.storage.as_ref()).await?))
}

#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    from: Option<u64>,
    #[serde(default)]
    limit: Option<u32>,
}

/// A device's stored entries, for audit (operators only).
#[utoipa::path(get, path = "/api/v1/devices/{device_id}/entries", tag = "operator", params(("device_id" = String, Path), ("from" = Option<u64>, Query), ("limit" = Option<u32>, Query)), security(("operator" = [])), responses((status = 200, description = "stored entries"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<StoredEntry>>> {
    let id: DeviceId = id
        .parse()
        .map_err(|_| ApiError::bad("bad_device_id", format!("`{id}` is not a device id")))?;
    service::audit(&state, &op.0, "read_ledger", Some(id.to_string())).await?;
    let limit = q.limit.unwrap_or(500).min(5000);
    Ok(Json(
        state
            .storage
            .entries(id, q.from.unwrap_or(1), limit)
            .await?,
    ))
}

/// A complete photo's bytes.
#[utoipa::path(get, path = "/api/v1/photos/{sha256}", tag = "operator", params(("sha256" = String, Path)), security(("operator" = [])), responses((status = 200, description = "the photo bytes"), (status = 404, description = "no such complete photo", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(sha): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let row = state.storage.photo(&sha).await?.filter(|p| p.complete);
    let row = row.ok_or_else(|| ApiError::NotFound(format!("no complete photo {sha}")))?;
    service::audit(&state, &op.0, "read_photo", Some(sha.clone())).await?;
    let bytes = state.storage.photo_bytes(&sha).await?;
    Ok(([(header::CONTENT_TYPE, row.mime)], bytes))
}

#[utoipa::path(get, path = "/api/v1/city", tag = "operator", security(("operator" = [])), responses((status = 200, description = "the reference data, as the city file has it (demo/changde-city.json)", body = serde_json::Value), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn city(State(state): State<AppState>, _op: OperatorAuth) -> ApiResult<Json<City>> {
    state
        .storage
        .city()
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("HQ has no city yet".into()))
}

/// Replace the reference data (same as `patrol-hq city import`).
#[utoipa::path(put, path = "/api/v1/city", tag = "operator", security(("operator" = [])), responses((status = 200, description = "what changed"), (status = 400, description = "invalid city", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn import_city(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiJson(city): ApiJson<City>,
) -> ApiResult<Json<ImportSummary>> {
    op.0.require_admin()?;
    city.validate()
        .map_err(|e| ApiError::invalid("bad_city", e))?;
    service::audit(&state, &op.0, "city_imported", Some(city.name.clone())).await?;
    let summary = state.storage.import_city(&city, state.now_ms()).await?;
    state.events.publish(crate::events::HqEvent::City);
    Ok(Json(summary))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    limit: Option<u32>,
}

/// The audit trail, newest first (admins only; reading it is itself recorded).
#[utoipa::path(get, path = "/api/v1/audit", tag = "operator", params(("limit" = Option<u32>, Query)), security(("operator" = [])), responses((status = 200, description = "who did what, when and from where"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "admins only", body = v1::ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<crate::storage::AuditRecord>>> {
    op.0.require_admin()?;
    service::audit(&state, &op.0, "read_audit", None).await?;
    let limit = q.limit.unwrap_or(200).min(5000);
    Ok(Json(state.storage.audit(limit).await?))
}

/// Operators, without their tokens (admins only).
#[utoipa::path(get, path = "/api/v1/operators", tag = "operator", security(("operator" = [])), responses((status = 200, description = "operators with role, expiry and revocation"), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "admins only", body = v1::ErrorBody)))]
pub async fn operators(
    State(state): State<AppState>,
    op: OperatorAuth,
) -> ApiResult<Json<Vec<crate::storage::OperatorRow>>> {
    op.0.require_admin()?;
    Ok(Json(state.storage.operators().await?))
}

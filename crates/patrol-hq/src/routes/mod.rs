//! The HTTP routes, by audience: devices (sync), photos, reference data, operators, the
//! command-centre page (its session, live channel and layers), and the page's own files.

pub(crate) mod command;
pub(crate) mod device;
pub(crate) mod dispatch;
mod json;
pub(crate) mod operator;
pub(crate) mod photos;
pub(crate) mod reference;
pub(crate) mod session;

use crate::AppState;
use axum::Router;
use axum::routing::{get, patch, post};

pub use json::ApiJson;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/openapi.json", get(crate::openapi::document))
        .route("/api/v1/hello", get(device::hello))
        .route("/api/v1/enroll", post(device::enroll))
        .route("/api/v1/devices/{device_id}/head", get(device::head))
        .route(
            "/api/v1/devices/{device_id}/entries",
            post(device::upload).get(operator::ledger),
        )
        .route("/api/v1/devices/{device_id}/receipt", get(device::receipt))
        .route("/api/v1/photos", post(photos::offer))
        .route(
            "/api/v1/photos/{sha256}",
            patch(photos::append).get(operator::photo),
        )
        .route("/api/v1/reference", get(reference::changes))
        .route("/api/v1/devices", get(operator::devices))
        .route("/api/v1/devices/{device_id}/revoke", post(operator::revoke))
        .route("/api/v1/enrollments", post(operator::create_enrollment))
        .route("/api/v1/stats/daily", get(operator::daily_stats))
        .route("/api/v1/stats/range", get(operator::range_stats))
        .route("/api/v1/stats/campaign", get(operator::campaign_stats))
        .route("/api/v1/patrols", get(operator::patrols))
        .route("/api/v1/posts/compliance", get(operator::post_compliance))
        .route("/api/v1/units", get(operator::units))
        .route(
            "/api/v1/export/routes.geojson",
            get(operator::routes_geojson),
        )
        .route("/api/v1/export/routes.gpx", get(operator::routes_gpx))
        .route("/api/v1/export/reports.csv", get(operator::reports_csv))
        .route("/api/v1/quarantine", get(operator::quarantine))
        .route("/api/v1/conflicts", get(operator::conflicts))
        .route("/api/v1/verify", get(operator::verify))
        .route("/api/v1/audit", get(operator::audit))
        .route("/api/v1/operators", get(operator::operators))
        .route(
            "/api/v1/city",
            get(operator::city).put(operator::import_city),
        )
        .route(
            "/api/v1/session",
            post(session::sign_in)
                .get(session::current)
                .delete(session::sign_out),
        )
        .route(
            "/api/v1/dispatches",
            get(dispatch::board).post(dispatch::create),
        )
        .route("/api/v1/dispatches/recommend", get(dispatch::recommend))
        .route("/api/v1/dispatches/{id}", get(dispatch::one))
        .route("/api/v1/dispatches/{id}/send", post(dispatch::send))
        .route("/api/v1/dispatches/{id}/reassign", post(dispatch::reassign))
        .route("/api/v1/dispatches/{id}/close", post(dispatch::close))
        .route("/api/v1/devices/{device_id}/inbox", get(dispatch::inbox))
        .route("/api/v1/devices/{device_id}/inbox/ack", post(dispatch::ack))
        .route("/api/v1/events", get(command::events))
        .route("/api/v1/coverage", get(command::coverage))
        .route("/api/v1/presence", get(command::presence))
        .route(
            "/api/v1/patrols/{patrol_id}/track",
            get(command::patrol_track),
        )
        .route("/api/v1/reports", get(command::reports))
        .route("/api/v1/bulletin", get(command::bulletin))
        .route("/api/v1/map", get(command::map_info))
        .route("/api/v1/map/tiles/{z}/{x}/{y}", get(command::map_tile))
        // Everything else: the command-centre page (`/`, its files, its own routes).
        .fallback(crate::web::serve)
}

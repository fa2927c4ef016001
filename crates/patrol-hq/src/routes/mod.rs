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
use axum::routing::get;

pub use json::ApiJson;

/// The HTTP routes. Every API route is declared once, through its `#[utoipa::path]`
/// annotation: [`api`] collects the routes and the OpenAPI document from the same list, so no
/// route can be served without being documented, or documented without being served.
pub fn routes() -> Router<AppState> {
    let (api, _) = api();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/openapi.json", get(crate::openapi::document))
        .merge(api)
        // Everything else: the command-centre page (`/`, its files, its own routes).
        .fallback(crate::web::serve)
}

/// The API's routes and the OpenAPI document made from them (info, security schemes and
/// shared schemas from [`crate::openapi::ApiDoc`]).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        // Devices: sync (protocol v1).
        .routes(routes!(device::hello))
        .routes(routes!(device::enroll))
        .routes(routes!(device::head))
        .routes(routes!(device::upload, operator::ledger))
        .routes(routes!(device::receipt))
        .routes(routes!(photos::offer))
        .routes(routes!(photos::append, operator::photo))
        .routes(routes!(reference::changes))
        .routes(routes!(reference::map_pack))
        .routes(routes!(dispatch::inbox))
        .routes(routes!(dispatch::ack))
        // Operators.
        .routes(routes!(operator::devices))
        .routes(routes!(operator::revoke))
        .routes(routes!(operator::create_enrollment))
        .routes(routes!(operator::daily_stats))
        .routes(routes!(operator::range_stats))
        .routes(routes!(operator::campaign_stats))
        .routes(routes!(operator::patrols))
        .routes(routes!(operator::post_compliance))
        .routes(routes!(operator::units))
        .routes(routes!(operator::routes_geojson))
        .routes(routes!(operator::routes_gpx))
        .routes(routes!(operator::reports_csv))
        .routes(routes!(operator::quarantine))
        .routes(routes!(operator::conflicts))
        .routes(routes!(operator::verify))
        .routes(routes!(operator::audit))
        .routes(routes!(operator::operators))
        .routes(routes!(operator::city, operator::import_city))
        // The command-centre page: its session, live channel and layers.
        .routes(routes!(
            session::sign_in,
            session::current,
            session::sign_out
        ))
        .routes(routes!(command::events))
        .routes(routes!(command::coverage))
        .routes(routes!(command::presence))
        .routes(routes!(command::patrol_track))
        .routes(routes!(command::reports))
        .routes(routes!(command::reports_page))
        .routes(routes!(command::bulletin))
        .routes(routes!(command::map_info))
        .routes(routes!(command::map_tile))
        // Dispatch.
        .routes(routes!(dispatch::board, dispatch::create))
        .routes(routes!(dispatch::recommend))
        .routes(routes!(dispatch::one))
        .routes(routes!(dispatch::send))
        .routes(routes!(dispatch::reassign))
        .routes(routes!(dispatch::close))
        .split_for_parts()
}

//! The OpenAPI document, generated from the handlers' annotations and the v1 wire types, served
//! at `/api/openapi.json`.

use crate::routes;
use axum::Json;
use patrol_model::v1;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Patrol HQ", description = "Device sync (protocol v1) and the command centre's data."),
    paths(
        routes::device::hello, routes::device::enroll, routes::device::head, routes::device::upload,
        routes::device::receipt, routes::photos::offer, routes::photos::append, routes::reference::changes,
        routes::operator::devices, routes::operator::revoke, routes::operator::create_enrollment,
        routes::operator::daily_stats, routes::operator::range_stats, routes::operator::campaign_stats, routes::operator::patrols, routes::operator::routes_geojson,
        routes::operator::routes_gpx, routes::operator::reports_csv, routes::operator::post_compliance,
        routes::operator::units, routes::operator::quarantine, routes::operator::conflicts,
        routes::operator::verify, routes::operator::ledger, routes::operator::photo, routes::operator::city,
        routes::operator::import_city, routes::operator::audit, routes::operator::operators,
        routes::session::sign_in, routes::session::current, routes::session::sign_out,
        routes::command::events, routes::command::coverage, routes::command::presence,
        routes::command::patrol_track, routes::command::reports, routes::command::bulletin,
        routes::command::map_info, routes::command::map_tile,
        routes::dispatch::board, routes::dispatch::create, routes::dispatch::one,
        routes::dispatch::recommend, routes::dispatch::send, routes::dispatch::reassign,
        routes::dispatch::close, routes::dispatch::inbox, routes::dispatch::ack,
    ),
    components(schemas(
        v1::ErrorBody, v1::Hello, v1::EnrollRequest, v1::EnrollResponse, v1::Head, v1::UploadRequest,
        v1::UploadResponse, v1::EntryProblem, v1::Conflict, v1::PhotoOffer, v1::PhotoUpload,
        v1::ReferenceChanges, v1::RemovedItem, v1::Receipt, v1::DailyStats, v1::RangeStats,
        v1::DailyAverages, patrol_model::CitySettings,
        routes::session::SignIn, routes::session::SessionInfo, routes::session::SessionOperator,
        crate::projections::Coverage, crate::projections::CellCoverage, crate::projections::CoverageModel,
        crate::projections::Presence, crate::projections::CellPresence, crate::projections::PatrolTrack,
        crate::projections::Stop, crate::projections::ReportItem, crate::projections::ReportHistory,
        routes::command::Bulletin, routes::command::MapInfo, crate::map::MapPackInfo,
        crate::projections::UnitPosition, crate::projections::PostCompliance,
        crate::projections::WindowCompliance, crate::projections::WindowStatus,
        crate::projections::PatrolSummary, crate::storage::DeviceRow, crate::service::EnrollmentCode,
        crate::projections::WindowMinutesSchema, crate::projections::DutyWindowSchema,
        patrol_model::PositionFix, patrol_model::LatLon,
        routes::operator::QuarantinedEntry, routes::operator::DeviceConflict,
        crate::storage::Role, crate::storage::DeviceStatus, crate::projections::Band,
        v1::DispatchTierStats, patrol_model::StepTimes,
        crate::projections::dispatch::DispatchView, crate::projections::dispatch::DispatchUnit,
        crate::projections::dispatch::Recommendation, crate::service::dispatch::Board,
        crate::service::dispatch::NewDispatch, crate::service::dispatch::SourceRef,
        routes::dispatch::SendUnits, routes::dispatch::Reassign, routes::dispatch::Close,
    )),
    modifiers(&Security),
)]
#[derive(Debug)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        let bearer = |desc: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(desc))
                    .build(),
            )
        };
        components.add_security_scheme(
            "device",
            bearer("d1.<device_id>.<secret>, issued at enrolment"),
        );
        components.add_security_scheme(
            "operator",
            bearer(
                "an operator token from `patrol-hq operator add NAME`; the command-centre page \
                 instead signs in once (POST /api/v1/session) and sends its `hq_session` cookie, \
                 with `X-Requested-With` on every change",
            ),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

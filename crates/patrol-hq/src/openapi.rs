//! The OpenAPI document, served at `/api/openapi.json`: its paths are collected from the router
//! ([`routes::api`], utoipa-axum), its info, security schemes and shared schemas are here.

use crate::routes;
use axum::Json;
use patrol_model::v1;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Patrol HQ", description = "Device sync (protocol v1) and the command centre's data."),
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
        crate::service::dispatch::NewDispatch, crate::projections::dispatch::SourceRef,
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

/// The document as [`routes::api`] collects it from the routes, made once.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(|| routes::api().1)
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi().clone())
}

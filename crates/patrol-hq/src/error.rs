//! One error type for every handler. Clients get `{code, message}` with a stable code; 5xx
//! details go to the log only.

use crate::storage::StorageError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use patrol_model::v1::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A conflict whose current state the client needs (e.g. the photo offset to resume from).
    #[error("conflict")]
    ConflictWith(serde_json::Value),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::BadRequest { code, message } => (StatusCode::BAD_REQUEST, code, message),
            ApiError::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, "unauthenticated", m),
            ApiError::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ApiError::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body is larger than {limit} bytes; send smaller batches"),
            ),
            ApiError::ConflictWith(body) => return (StatusCode::CONFLICT, Json(body)).into_response(),
            ApiError::Storage(StorageError::BadEnrollmentCode) => (
                StatusCode::BAD_REQUEST,
                "bad_code",
                "enrolment code is not valid (unknown, already used or expired); ask HQ for a new one".into(),
            ),
            ApiError::Storage(StorageError::DeviceExists(id)) => (
                StatusCode::CONFLICT,
                "device_exists",
                format!("device {id} is already enrolled; reset the app's data to enrol again"),
            ),
            ApiError::Storage(StorageError::UnknownPhoto(sha)) => {
                (StatusCode::NOT_FOUND, "unknown_photo", format!("photo {sha} was not announced; POST /api/v1/photos first"))
            }
            ApiError::Storage(StorageError::PhotoTooLarge(sha)) => {
                (StatusCode::BAD_REQUEST, "photo_too_large", format!("photo {sha}: more bytes than announced"))
            }
            ApiError::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "HQ could not complete the request; retry later".into())
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal failure");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "HQ could not complete the request; retry later".into())
            }
        };
        (
            status,
            Json(ErrorBody {
                code: code.into(),
                message,
            }),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

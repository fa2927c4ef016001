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
    /// A value refused by a rule: 400 with the `invalid` part (field, rule code, parameters)
    /// that the page translates.
    #[error("{error}")]
    Invalid {
        code: &'static str,
        error: patrol_model::ValidationError,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A request body whose `Content-Encoding` HQ does not read (415).
    #[error("content-encoding {0} is not accepted")]
    UnsupportedEncoding(String),
    /// A conflict whose current state the client needs (e.g. the photo offset to resume from).
    #[error("conflict")]
    ConflictWith(serde_json::Value),
    /// Too many attempts (enrolment): 429 + Retry-After.
    #[error("{0}")]
    TooMany(&'static str),
    /// Contention that waiting resolves (e.g. one device's uploads racing): 503 + Retry-After.
    #[error("{0}")]
    Busy(String),
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

    /// 400 `code`, saying which field broke which rule.
    pub fn invalid(code: &'static str, error: patrol_model::ValidationError) -> Self {
        ApiError::Invalid { code, error }
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
            ApiError::Invalid { code, error } => {
                let body = ErrorBody {
                    invalid: Some((&error).into()),
                    ..ErrorBody::new(code, error.to_string())
                };
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
            ApiError::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, "unauthenticated", m),
            ApiError::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ApiError::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body is larger than {limit} bytes; send smaller batches"),
            ),
            ApiError::UnsupportedEncoding(enc) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_encoding",
                format!("content-encoding `{enc}` is not accepted; send zstd, gzip or no encoding"),
            ),
            ApiError::ConflictWith(body) => return (StatusCode::CONFLICT, Json(body)).into_response(),
            ApiError::TooMany(m) => {
                let body = ErrorBody::new("too_many_attempts", m);
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(axum::http::header::RETRY_AFTER, "60")],
                    Json(body),
                )
                    .into_response();
            }
            ApiError::Busy(m) => {
                tracing::warn!(error = %m, "busy");
                let body = ErrorBody::new("busy", "HQ is busy with this device; retry in a few seconds");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, RETRY_AFTER_S)],
                    Json(body),
                )
                    .into_response();
            }
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
            ApiError::Storage(StorageError::Revoked(id)) => (
                StatusCode::FORBIDDEN,
                "device_revoked",
                format!("device {id} was revoked by HQ; it can no longer sync — contact the station"),
            ),
            ApiError::Storage(StorageError::Full(e)) => {
                tracing::error!(error = %e, "HQ's database is full: uploads are refused until space returns");
                let body = ErrorBody::new("storage_full", "HQ has no room to store this; nothing was stored — the device keeps it and tries again later");
                return (
                    StatusCode::INSUFFICIENT_STORAGE,
                    [(axum::http::header::RETRY_AFTER, "60")],
                    Json(body),
                )
                    .into_response();
            }
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
        (status, Json(ErrorBody::new(code, message))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Seconds a client waits after a 503 before it tries again.
pub const RETRY_AFTER_S: &str = "2";

/// The answer when a handler panicked: a bug, logged in full, answered 500 with the usual
/// `{code, message}` body instead of a dropped connection.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %detail, "a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(ErrorBody::new(
            "internal",
            "HQ could not complete the request; retry later",
        )),
    )
        .into_response()
}

//! JSON body and query-string extractors whose rejections are `{code, message}` naming what is
//! wrong.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TooLarge {
                limit: crate::MAX_BODY_BYTES,
            }),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::bad(
                "bad_json",
                "send the body as JSON with content-type: application/json",
            )),
            Err(r) => Err(ApiError::bad(
                "bad_json",
                format!("request body is not valid: {}", r.body_text()),
            )),
        }
    }
}

/// A query-string extractor whose rejections are `{code: "bad_query", message}` naming the
/// parameter and what is wrong with it (axum's own answers in plain text).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(ApiError::bad(
                "bad_query",
                format!("the query string is not valid: {}", r.body_text()),
            )),
        }
    }
}

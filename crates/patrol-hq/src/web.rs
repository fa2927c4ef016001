//! The command-centre page's files (`hq-web/`), served at `/` by HQ itself: embedded in the
//! binary at build time (see `build.rs`), or read from a folder with `serve --web-dir` while
//! developing the page. Every HTML answer carries a strict Content-Security-Policy: scripts,
//! styles, images and connections from HQ itself only, nothing framed, nothing external.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web.rs"));
}

/// The page's Content-Security-Policy. `img-src data: blob:` for the enrolment QR code and
/// downloads made in the page; no `unsafe-inline` anywhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Where the files come from.
#[derive(Debug, Clone)]
pub enum WebAssets {
    Embedded(&'static [(&'static str, &'static [u8])]),
    Dir(PathBuf),
}

impl WebAssets {
    /// What this binary was built with (nothing when hq-web was not built first).
    pub fn embedded() -> Self {
        WebAssets::Embedded(embedded::FILES)
    }

    /// Whether the page exists at all.
    pub fn has_page(&self) -> bool {
        match self {
            WebAssets::Embedded(files) => files.iter().any(|(p, _)| *p == "index.html"),
            WebAssets::Dir(dir) => dir.join("index.html").is_file(),
        }
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            WebAssets::Embedded(files) => files
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| b.to_vec()),
            WebAssets::Dir(dir) => {
                // Only plain relative paths: no `..`, no absolute, no backslashes.
                if path
                    .split('/')
                    .any(|seg| seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\'))
                {
                    return None;
                }
                std::fs::read(dir.join(path)).ok()
            }
        }
    }
}

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Any GET that no API route took: a file of the page, or the page itself for its own routes.
pub async fn serve(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    uri: Uri,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return crate::error::ApiError::NotFound(format!("no endpoint {}", uri.path()))
            .into_response();
    }
    let assets = &state.web;
    if !path.is_empty()
        && path != "index.html"
        && let Some(bytes) = assets.read(path)
    {
        let mut r = Response::new(Body::from(bytes));
        let headers = r.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
        // Vite names built files by their content hash: they never change under a name.
        if path.starts_with("assets/") {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
        }
        return r;
    }
    // A path with an extension that is not a file: a real 404, not the page.
    if path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
        && path != "index.html"
    {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let Some(html) = assets.read("index.html") else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The command-centre page was not built into this HQ. Build it (cd hq-web && npm ci \
             && npm run build) and rebuild patrol-hq, or serve a built folder with \
             `patrol-hq serve --web-dir hq-web/dist`. The API is at /api/openapi.json.\n",
        )
            .into_response();
    };
    let mut r = Response::new(Body::from(html));
    let headers = r.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_never_serves_outside_itself() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<p>hi</p>").unwrap();
        let assets = WebAssets::Dir(dir.path().join("."));
        assert!(assets.has_page());
        assert_eq!(assets.read("index.html").unwrap(), b"<p>hi</p>");
        for bad in [
            "../etc/passwd",
            "a/../../x",
            "/etc/passwd",
            "",
            "a//b",
            "..\\x",
        ] {
            assert!(assets.read(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(
            mime("assets/index-abc.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(mime("assets/x.css"), "text/css; charset=utf-8");
        assert_eq!(mime("weird"), "application/octet-stream");
    }
}

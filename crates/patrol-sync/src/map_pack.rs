//! The city's map pack, downloaded after the evidence: in byte ranges of [`CHUNK`], each one
//! saved and flushed before the next is asked for, so a dropped connection, a killed app or a
//! sync cut short loses at most one chunk. The file is used only once its SHA-256 is the one
//! HQ announced ([`patrol_map::LocalPack`]). Trouble here never fails the sync: it is reported
//! as a problem and the next sync goes on from the bytes saved.

use crate::client::Failure;
use crate::engine::{Session, StoreAccess};
use crate::report::Progress;
use patrol_map::LocalPack;
use patrol_model::v1::MapPackRef;
use reqwest::Method;
use reqwest::header::{CONTENT_RANGE, IF_RANGE, RANGE};

/// Bytes asked for per request: small enough for a weak link to finish one within the silence
/// limit's patience, big enough that a city's pack is a few hundred requests.
pub const CHUNK: u64 = 1 << 20;

/// Where the device keeps its map pack: `map/` beside its store.
pub fn local_pack(store_dir: &std::path::Path) -> LocalPack {
    LocalPack::new(store_dir.join("map"))
}

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    /// Bring the device's pack up to `want`, at most `budget` bytes in this sync.
    pub(crate) async fn pull_map_pack(&mut self, want: &MapPackRef) {
        if let Err(e) = self.map_pack_step(want).await {
            self.problems.push(format!("map pack not updated: {e}"));
        }
    }

    async fn map_pack_step(&mut self, want: &MapPackRef) -> Result<(), String> {
        let dir = self.store.with_store(|s| s.dir().to_path_buf());
        let local = local_pack(&dir);
        if local.has(want).map_err(|e| e.to_string())? {
            return Ok(());
        }
        let mut have = local.resume(want).map_err(|e| e.to_string())?;
        let mut budget = self.options.map_pack_per_sync;
        let etag = format!("\"{}\"", want.sha256);
        while have < want.bytes && budget > 0 {
            let end = (have + CHUNK.min(budget)).min(want.bytes) - 1;
            self.requests += 1;
            let rb = self
                .hq
                .request(Method::GET, "/api/v1/reference/map-pack")
                .header(RANGE, format!("bytes={have}-{end}"))
                .header(IF_RANGE, &etag);
            let answer = self.hq.send_raw(rb).await.map_err(|f: Failure| f.message)?;
            let offset = match answer.status {
                206 => {
                    let range = answer
                        .headers
                        .get(CONTENT_RANGE)
                        .and_then(|v| v.to_str().ok())
                        .and_then(content_range)
                        .ok_or("HQ's partial answer names no byte range")?;
                    if range.2 != want.bytes {
                        local.forget_download().map_err(|e| e.to_string())?;
                        return Err("HQ's map pack changed during the download; it starts over \
                                    with the next sync"
                            .into());
                    }
                    if range.1 - range.0 + 1 != answer.body.len() as u64 {
                        return Err("HQ's answer was cut short; the next sync goes on".into());
                    }
                    range.0
                }
                // The whole file: HQ ignored the range or holds another pack than announced.
                200 if answer.body.len() as u64 == want.bytes => {
                    local.forget_download().map_err(|e| e.to_string())?;
                    local.resume(want).map_err(|e| e.to_string())?;
                    0
                }
                200 => {
                    local.forget_download().map_err(|e| e.to_string())?;
                    return Err(
                        "HQ sent another map pack than it announced; it starts over \
                                with the next sync"
                            .into(),
                    );
                }
                s => return Err(format!("HQ answered {s} to a byte range")),
            };
            have = local
                .append(want, offset, &answer.body)
                .map_err(|e| e.to_string())?;
            budget = budget.saturating_sub(answer.body.len() as u64);
            (self.progress)(Progress::MapPack {
                have,
                total: want.bytes,
            });
        }
        if have == want.bytes {
            local.finish(want).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// `bytes a-b/total` → `(a, b, total)`.
fn content_range(v: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = v.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b, total) = (a.parse().ok()?, b.parse().ok()?, total.parse().ok()?);
    (a <= b && b < total).then_some((a, b, total))
}

#[cfg(test)]
mod tests {
    use super::content_range;

    #[test]
    fn content_ranges_are_read_strictly() {
        assert_eq!(content_range("bytes 0-99/1000"), Some((0, 99, 1000)));
        assert_eq!(content_range("bytes 5-4/1000"), None);
        assert_eq!(content_range("bytes 0-1000/1000"), None);
        assert_eq!(content_range("bytes */1000"), None);
    }
}

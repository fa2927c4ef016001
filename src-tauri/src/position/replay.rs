//! Replays a recorded GPX file as if it were the receiver, for demos and field-test rehearsals:
//! every point in file order (read by `patrol-gpx`, which keeps every point), re-stamped with
//! the current time, one after another at the file's own pace clamped to 1–5 s. It stops at
//! the end of the file; nothing is invented between points.

use super::FixSource;
use crate::error::ShellError;
use patrol_model::{PatrolMode, PositionFix};
use std::path::Path;
use std::time::Duration;

const MIN_GAP: Duration = Duration::from_secs(1);
const MAX_GAP: Duration = Duration::from_secs(5);
/// Pace for points without times.
const DEFAULT_GAP: Duration = Duration::from_secs(3);

#[derive(Debug)]
pub struct GpxReplay {
    points: Vec<PositionFix>,
    next: usize,
}

impl GpxReplay {
    /// Read the whole file now, so a bad file fails the command instead of the thread.
    pub fn open(path: &Path) -> Result<GpxReplay, ShellError> {
        let failed = |reason: String| ShellError::Replay {
            path: path.to_path_buf(),
            reason,
        };
        let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
        let gpx = patrol_gpx::read_gpx(std::io::BufReader::new(file))
            .map_err(|e| failed(e.to_string()))?;
        let points: Vec<PositionFix> = gpx
            .tracks
            .into_iter()
            .flat_map(|t| t.segments)
            .flatten()
            .collect();
        if points.is_empty() {
            return Err(failed("no track or route points".into()));
        }
        Ok(Self::from_points(points))
    }

    pub fn from_points(points: Vec<PositionFix>) -> GpxReplay {
        GpxReplay { points, next: 0 }
    }
}

impl FixSource for GpxReplay {
    fn next_fix(
        &mut self,
        now_ms: i64,
        _mode: Option<PatrolMode>,
    ) -> Option<(PositionFix, Duration)> {
        let point = *self.points.get(self.next)?;
        self.next += 1;
        let gap = match (
            point.time_ms,
            self.points.get(self.next).and_then(|p| p.time_ms),
        ) {
            (Some(a), Some(b)) if b > a => {
                Duration::from_millis((b - a) as u64).clamp(MIN_GAP, MAX_GAP)
            }
            (Some(_), Some(_)) => MIN_GAP,
            _ => DEFAULT_GAP,
        };
        let fix = PositionFix {
            time_ms: Some(now_ms),
            // The file's satellite time belongs to the original recording, not to now.
            gnss_ms: None,
            ..point
        }
        .quantized();
        Some((fix, gap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_every_point_at_the_files_pace_then_stops() {
        let p = |t: Option<i64>, lat: f64| PositionFix {
            time_ms: t,
            ..PositionFix::at(0, lat, 111.69)
        };
        let mut r = GpxReplay::from_points(vec![
            p(Some(0), 29.01),
            p(Some(2_000), 29.02),
            p(Some(60_000), 29.03),
            p(Some(60_000), 29.04),
            p(None, 29.05),
        ]);
        let mut got = Vec::new();
        while let Some((fix, gap)) = r.next_fix(1_000, None) {
            got.push((fix.lat, fix.time_ms, gap.as_millis()));
        }
        assert_eq!(
            got,
            vec![
                (29.01, Some(1_000), 2_000),
                (29.02, Some(1_000), 5_000),
                (29.03, Some(1_000), 1_000),
                (29.04, Some(1_000), 3_000),
                (29.05, Some(1_000), 3_000),
            ]
        );
    }

    #[test]
    fn a_missing_file_says_which() {
        let err = GpxReplay::open(Path::new("/nonexistent/route.gpx")).unwrap_err();
        assert!(matches!(err, ShellError::Replay { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/route.gpx"), "{err}");
    }
}

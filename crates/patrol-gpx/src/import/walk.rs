//! The GPX grammar of an import: where tracks, segments, routes and points are, and how one
//! point becomes a validated [`PositionFix`] — a small recursive descent over a [`Cursor`],
//! skipping everything it does not know whole. It owns which elements are read and how a bad
//! point is named; XML mechanics and namespaces live in [`super::cursor`].
//!
//! Elements of other namespaces — GPX 1.0 allows them anywhere — are skipped, except the known
//! extensions looked for inside a point's `<extensions>`.

use super::cursor::{Cursor, Element, Ns};
use super::{ImportedGpx, ImportedTrack};
use crate::time::{format_time, parse_time};
use crate::{GpxError, PointLocation, Result, TrackKind};
use patrol_model::PositionFix;

/// How deep `<extensions>` is searched for known elements; deeper markup is skipped unread.
const MAX_EXTENSION_DEPTH: usize = 4;

/// Parses a decoded GPX document.
pub(super) fn parse(text: &str) -> Result<ImportedGpx> {
    let mut walk = Walk {
        cursor: Cursor::new(text),
    };
    let root = walk.cursor.root()?;
    walk.gpx(&root)
}

/// Where the point being read sits; its line is counted only if it turns out to be bad.
#[derive(Clone, Copy)]
struct At {
    kind: TrackKind,
    track: usize,
    segment: usize,
    point: usize,
    pos: usize,
}

struct Walk<'i> {
    cursor: Cursor<'i>,
}

impl<'i> Walk<'i> {
    fn gpx(&mut self, root: &Element<'i>) -> Result<ImportedGpx> {
        let creator = self
            .cursor
            .attribute(root, "creator")?
            .filter(|c| !c.trim().is_empty());
        let (mut name, mut tracks, mut routes) = (None, Vec::new(), Vec::new());
        while let Some(el) = self.cursor.next_child(root)? {
            match (el.ns, el.local()) {
                (Ns::Gpx, "metadata") => {
                    while let Some(m) = self.cursor.next_child(&el)? {
                        match (m.ns, m.local()) {
                            (Ns::Gpx, "name") => name = self.name(&m)?,
                            _ => self.cursor.skip(&m)?,
                        }
                    }
                }
                (Ns::Gpx, "name") => name = self.name(&el)?,
                (Ns::Gpx, "trk") => tracks.push(self.track(&el, tracks.len())?),
                (Ns::Gpx, "rte") => routes.push(self.route(&el, routes.len())?),
                _ => self.cursor.skip(&el)?,
            }
        }
        let has_points =
            |ts: &[ImportedTrack]| ts.iter().flat_map(|t| &t.segments).any(|s| !s.is_empty());
        let tracks = if !has_points(&tracks) && has_points(&routes) {
            routes
        } else {
            tracks
        };
        Ok(ImportedGpx {
            name,
            creator,
            tracks,
        })
    }

    fn track(&mut self, trk: &Element<'i>, track: usize) -> Result<ImportedTrack> {
        let (mut name, mut segments) = (None, Vec::new());
        while let Some(el) = self.cursor.next_child(trk)? {
            match (el.ns, el.local()) {
                (Ns::Gpx, "name") => name = self.name(&el)?,
                (Ns::Gpx, "trkseg") => {
                    let mut fixes = Vec::new();
                    while let Some(pt) = self.cursor.next_child(&el)? {
                        match (pt.ns, pt.local()) {
                            (Ns::Gpx, "trkpt") => {
                                let (segment, point) = (segments.len(), fixes.len());
                                let at = At {
                                    kind: TrackKind::Track,
                                    track,
                                    segment,
                                    point,
                                    pos: pt.pos,
                                };
                                fixes.push(self.point(&pt, at)?);
                            }
                            _ => self.cursor.skip(&pt)?,
                        }
                    }
                    segments.push(fixes);
                }
                _ => self.cursor.skip(&el)?,
            }
        }
        Ok(ImportedTrack {
            name,
            kind: TrackKind::Track,
            segments,
        })
    }

    fn route(&mut self, rte: &Element<'i>, track: usize) -> Result<ImportedTrack> {
        let (mut name, mut fixes) = (None, Vec::new());
        while let Some(el) = self.cursor.next_child(rte)? {
            match (el.ns, el.local()) {
                (Ns::Gpx, "name") => name = self.name(&el)?,
                (Ns::Gpx, "rtept") => {
                    let point = fixes.len();
                    let at = At {
                        kind: TrackKind::Route,
                        track,
                        segment: 0,
                        point,
                        pos: el.pos,
                    };
                    fixes.push(self.point(&el, at)?);
                }
                _ => self.cursor.skip(&el)?,
            }
        }
        Ok(ImportedTrack {
            name,
            kind: TrackKind::Route,
            segments: vec![fixes],
        })
    }

    /// One `<trkpt>` or `<rtept>`, checked with [`PositionFix::validate`].
    fn point(&mut self, pt: &Element<'i>, at: At) -> Result<PositionFix> {
        let mut fix = PositionFix {
            time_ms: None,
            lat: self.coordinate(pt, "lat", at)?,
            lon: self.coordinate(pt, "lon", at)?,
            accuracy_m: None,
            speed_mps: None,
            heading_deg: None,
            altitude_m: None,
            gnss_ms: None,
        };
        while let Some(el) = self.cursor.next_child(pt)? {
            match (el.ns, el.local()) {
                (Ns::Gpx, "ele") => fix.altitude_m = self.number(&el, "ele", at)?,
                (Ns::Gpx, "time") => fix.time_ms = self.time(&el, "time", at)?,
                (Ns::Gpx, "speed") => fix.speed_mps = self.number(&el, "speed", at)?,
                (Ns::Gpx, "course") => fix.heading_deg = self.number(&el, "course", at)?,
                (Ns::Gpx, "extensions") => self.extensions(&el, &mut fix, at, 0)?,
                _ => self.cursor.skip(&el)?,
            }
        }
        if let Err(e) = fix.validate() {
            // A time is shown as the file wrote it, not as milliseconds.
            let time = match e.field.as_str() {
                "time_ms" => fix.time_ms,
                "gnss_ms" => fix.gnss_ms,
                _ => None,
            };
            let reason = match time.and_then(format_time) {
                Some(t) => format!("{t} is outside the years 2000–2099 that a fix may have"),
                None => e.reason,
            };
            return Err(self.bad(at, name_in_file(&e.field), reason));
        }
        Ok(fix)
    }

    /// Known elements anywhere (a few levels deep) inside a point's `<extensions>`.
    fn extensions(
        &mut self,
        parent: &Element<'i>,
        fix: &mut PositionFix,
        at: At,
        depth: usize,
    ) -> Result<()> {
        while let Some(el) = self.cursor.next_child(parent)? {
            match (el.ns, el.local()) {
                (Ns::Patrol, "accuracy") => fix.accuracy_m = self.number(&el, "accuracy", at)?,
                (Ns::Patrol, "speed") => fix.speed_mps = self.number(&el, "speed", at)?,
                (Ns::Patrol, "heading") => fix.heading_deg = self.number(&el, "heading", at)?,
                (Ns::Patrol, "gnss_time") => fix.gnss_ms = self.time(&el, "gnss_time", at)?,
                (Ns::GarminTpx2, "speed") if fix.speed_mps.is_none() => {
                    fix.speed_mps = self.number(&el, "speed", at)?;
                }
                (Ns::GarminTpx2, "course") if fix.heading_deg.is_none() => {
                    fix.heading_deg = self.number(&el, "course", at)?;
                }
                _ if depth < MAX_EXTENSION_DEPTH => self.extensions(&el, fix, at, depth + 1)?,
                _ => self.cursor.skip(&el)?,
            }
        }
        Ok(())
    }

    /// A required `lat`/`lon` attribute.
    fn coordinate(&mut self, pt: &Element<'i>, field: &str, at: At) -> Result<f64> {
        let parsed = match self.cursor.attribute(pt, field)? {
            None => Err("is missing".to_owned()),
            Some(text) => parse_number(&text).and_then(|v| v.ok_or_else(|| "is empty".to_owned())),
        };
        parsed.map_err(|reason| self.bad(at, field, reason))
    }

    /// An optional number; an empty element is `None`.
    fn number(&mut self, el: &Element<'i>, field: &str, at: At) -> Result<Option<f64>> {
        let text = self.cursor.text(el)?;
        parse_number(&text).map_err(|reason| self.bad(at, field, reason))
    }

    /// An optional time; an empty element is `None`.
    fn time(&mut self, el: &Element<'i>, field: &str, at: At) -> Result<Option<i64>> {
        let text = self.cursor.text(el)?;
        match text.trim() {
            "" => Ok(None),
            t => parse_time(t)
                .map(Some)
                .map_err(|reason| self.bad(at, field, reason)),
        }
    }

    /// A `<name>`, trimmed; blank is `None`.
    fn name(&mut self, el: &Element<'i>) -> Result<Option<String>> {
        let text = self.cursor.text(el)?;
        Ok(Some(text.trim().to_owned()).filter(|n| !n.is_empty()))
    }

    fn bad(&self, at: At, field: &str, reason: String) -> GpxError {
        let At {
            kind,
            track,
            segment,
            point,
            pos,
        } = at;
        let line = self.cursor.line_at(pos);
        let at = PointLocation {
            kind,
            track,
            segment,
            point,
            line,
        };
        GpxError::BadPoint {
            at,
            field: field.to_owned(),
            reason,
        }
    }
}

/// `None` for blank text, the number otherwise. NaN and infinities parse and are then refused by
/// validation, which names them.
fn parse_number(text: &str) -> std::result::Result<Option<f64>, String> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| format!("`{t}` is not a number")),
    }
}

/// The name a person sees in the file for a field of [`PositionFix`].
fn name_in_file(field: &str) -> &str {
    match field {
        "altitude_m" => "ele",
        "time_ms" => "time",
        "speed_mps" => "speed",
        "heading_deg" => "course",
        "accuracy_m" => "accuracy",
        "gnss_ms" => "gnss_time",
        other => other,
    }
}

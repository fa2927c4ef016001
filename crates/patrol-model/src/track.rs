//! Track segments: runs of GPS fixes, stored compactly and losslessly. Fixes are many and small,
//! so a segment is one ledger entry holding a binary payload rather than JSON per point.
//!
//! Format v1 (all integers LEB128 varints; signed ones zigzag-encoded):
//! `0x01` (version) · patrol id (16 bytes) · fix count · per fix: a flags byte saying which
//! optional fields follow, then deltas from the previous fix of each field at the stored precision
//! of [`crate::fix`] — lat/lon in 1e-7°, time in ms, accuracy and altitude in 0.1 m, speed in
//! 0.01 m/s, heading in 0.1° — and the GNSS time as an offset from the fix time. At 1 Hz a fix
//! costs about 8–12 bytes. Decoding yields exactly the quantized fixes that were encoded.
//!
//! Deltas are taken and applied in wrapping (two's complement) arithmetic: for every value a
//! real fix can have this is ordinary subtraction, and for bytes from anywhere — a hostile
//! upload, a corrupt file — it can never overflow or panic, in debug or release. What such
//! bytes decode to is then refused by [`TrackSegment::validate`].

use crate::fix::scale;
use crate::{DecodeError, PatrolId, PositionFix, Validation, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

const VERSION: u8 = 1;
const HAS_TIME: u8 = 1;
const HAS_ACCURACY: u8 = 1 << 1;
const HAS_SPEED: u8 = 1 << 2;
const HAS_HEADING: u8 = 1 << 3;
const HAS_ALTITUDE: u8 = 1 << 4;
const HAS_GNSS: u8 = 1 << 5;

/// Most fixes one segment may hold (an hour at 1 Hz); the recorder flushes far sooner.
pub const MAX_FIXES_PER_SEGMENT: usize = 3600;

/// A run of fixes of one patrol, in the order they were taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TrackSegment {
    pub patrol_id: PatrolId,
    pub fixes: Vec<PositionFix>,
}

impl TrackSegment {
    /// Builds a segment, rounding every fix to the stored precision.
    pub fn new(patrol_id: PatrolId, fixes: impl IntoIterator<Item = PositionFix>) -> Self {
        Self {
            patrol_id,
            fixes: fixes.into_iter().map(PositionFix::quantized).collect(),
        }
    }

    pub fn validate(&self) -> Validation {
        if self.fixes.is_empty() {
            return Err(ValidationError::new(
                "fixes",
                ValidationCode::TooFew,
                "a track segment needs at least one fix",
            )
            .with("min", 1));
        }
        if self.fixes.len() > MAX_FIXES_PER_SEGMENT {
            return Err(ValidationError::too_many(
                "fixes",
                MAX_FIXES_PER_SEGMENT,
                format!(
                    "{} fixes is more than {MAX_FIXES_PER_SEGMENT} in one segment",
                    self.fixes.len()
                ),
            ));
        }
        for (i, f) in self.fixes.iter().enumerate() {
            f.validate().map_err(|e| e.within(&format!("fixes[{i}]")))?;
        }
        Ok(())
    }

    /// Encode at the stored precision (fixes are quantized on the way in).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + self.fixes.len() * 12);
        out.push(VERSION);
        out.extend_from_slice(self.patrol_id.as_bytes());
        put_u(&mut out, self.fixes.len() as u64);
        let mut prev = Ints::default();
        for f in &self.fixes {
            let cur = Ints::from_fix(f);
            let mut flags = 0;
            for (bit, present) in [
                (HAS_TIME, f.time_ms.is_some()),
                (HAS_ACCURACY, f.accuracy_m.is_some()),
                (HAS_SPEED, f.speed_mps.is_some()),
                (HAS_HEADING, f.heading_deg.is_some()),
                (HAS_ALTITUDE, f.altitude_m.is_some()),
                (HAS_GNSS, f.gnss_ms.is_some()),
            ] {
                if present {
                    flags |= bit;
                }
            }
            out.push(flags);
            put_i(&mut out, cur.lat.wrapping_sub(prev.lat));
            put_i(&mut out, cur.lon.wrapping_sub(prev.lon));
            if let Some(t) = f.time_ms {
                put_i(&mut out, t.wrapping_sub(prev.time));
            }
            if f.accuracy_m.is_some() {
                put_i(&mut out, cur.accuracy.wrapping_sub(prev.accuracy));
            }
            if f.speed_mps.is_some() {
                put_i(&mut out, cur.speed.wrapping_sub(prev.speed));
            }
            if f.heading_deg.is_some() {
                put_i(&mut out, cur.heading.wrapping_sub(prev.heading));
            }
            if f.altitude_m.is_some() {
                put_i(&mut out, cur.altitude.wrapping_sub(prev.altitude));
            }
            if let Some(g) = f.gnss_ms {
                put_i(&mut out, g.wrapping_sub(f.time_ms.unwrap_or(0)));
            }
            prev = prev.advance(&cur, flags);
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.byte()?;
        if version != VERSION {
            return Err(DecodeError::Track(format!(
                "unknown codec version {version}"
            )));
        }
        let id: [u8; 16] = r.take(16)?.try_into().expect("16 bytes");
        let patrol_id = PatrolId(uuid::Uuid::from_bytes(id));
        let count = r.u()? as usize;
        if count > MAX_FIXES_PER_SEGMENT {
            return Err(DecodeError::Track(format!(
                "{count} fixes is over the limit"
            )));
        }
        let mut fixes = Vec::with_capacity(count);
        let mut prev = Ints::default();
        for _ in 0..count {
            let flags = r.byte()?;
            if flags & !0b11_1111 != 0 {
                return Err(DecodeError::Track(format!("unknown flags {flags:#04x}")));
            }
            let mut cur = prev;
            cur.lat = prev.lat.wrapping_add(r.i()?);
            cur.lon = prev.lon.wrapping_add(r.i()?);
            let mut next = |bit: u8, base: i64| -> Result<Option<i64>, DecodeError> {
                if flags & bit != 0 {
                    Ok(Some(base.wrapping_add(r.i()?)))
                } else {
                    Ok(None)
                }
            };
            let time = next(HAS_TIME, prev.time)?;
            let accuracy = next(HAS_ACCURACY, prev.accuracy)?;
            let speed = next(HAS_SPEED, prev.speed)?;
            let heading = next(HAS_HEADING, prev.heading)?;
            let altitude = next(HAS_ALTITUDE, prev.altitude)?;
            let gnss = next(HAS_GNSS, time.unwrap_or(0))?;
            cur.time = time.unwrap_or(prev.time);
            cur.accuracy = accuracy.unwrap_or(prev.accuracy);
            cur.speed = speed.unwrap_or(prev.speed);
            cur.heading = heading.unwrap_or(prev.heading);
            cur.altitude = altitude.unwrap_or(prev.altitude);
            fixes.push(PositionFix {
                time_ms: time,
                lat: cur.lat as f64 / scale::DEGREE,
                lon: cur.lon as f64 / scale::DEGREE,
                accuracy_m: accuracy.map(|v| v as f64 / scale::METRE),
                speed_mps: speed.map(|v| v as f64 / scale::SPEED),
                heading_deg: heading.map(|v| v as f64 / scale::HEADING),
                altitude_m: altitude.map(|v| v as f64 / scale::METRE),
                gnss_ms: gnss,
            });
            prev = cur;
        }
        if r.pos != bytes.len() {
            return Err(DecodeError::Track(format!(
                "{} trailing bytes",
                bytes.len() - r.pos
            )));
        }
        Ok(Self { patrol_id, fixes })
    }
}

/// The fixed-point integers of one fix; absent fields carry the previous value forward so a
/// missing reading does not break the delta chain.
#[derive(Debug, Clone, Copy, Default)]
struct Ints {
    lat: i64,
    lon: i64,
    time: i64,
    accuracy: i64,
    speed: i64,
    heading: i64,
    altitude: i64,
}

impl Ints {
    fn from_fix(f: &PositionFix) -> Self {
        let s = |v: Option<f64>, k: f64| v.map_or(0, |x| (x * k).round() as i64);
        Self {
            lat: (f.lat * scale::DEGREE).round() as i64,
            lon: (f.lon * scale::DEGREE).round() as i64,
            time: f.time_ms.unwrap_or(0),
            accuracy: s(f.accuracy_m, scale::METRE),
            speed: s(f.speed_mps, scale::SPEED),
            heading: s(f.heading_deg, scale::HEADING),
            altitude: s(f.altitude_m, scale::METRE),
        }
    }

    fn advance(self, cur: &Ints, flags: u8) -> Ints {
        let pick = |bit: u8, new: i64, old: i64| if flags & bit != 0 { new } else { old };
        Ints {
            lat: cur.lat,
            lon: cur.lon,
            time: pick(HAS_TIME, cur.time, self.time),
            accuracy: pick(HAS_ACCURACY, cur.accuracy, self.accuracy),
            speed: pick(HAS_SPEED, cur.speed, self.speed),
            heading: pick(HAS_HEADING, cur.heading, self.heading),
            altitude: pick(HAS_ALTITUDE, cur.altitude, self.altitude),
        }
    }
}

fn put_u(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i(out: &mut Vec<u8>, v: i64) {
    put_u(out, ((v << 1) ^ (v >> 63)) as u64);
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| DecodeError::Track("truncated".into()))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| DecodeError::Track("truncated".into()))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError::Track("varint longer than 10 bytes".into()))
    }

    fn i(&mut self) -> Result<i64, DecodeError> {
        let u = self.u()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    fn random_fix(rng: &mut StdRng, t: i64) -> PositionFix {
        fn maybe(rng: &mut StdRng, lo: f64, hi: f64) -> Option<f64> {
            let v = rng.random_range(lo..hi);
            rng.random_bool(0.8).then_some(v)
        }
        PositionFix {
            time_ms: rng.random_bool(0.95).then_some(t),
            lat: rng.random_range(-90.0..=90.0),
            lon: rng.random_range(-180.0..=180.0),
            accuracy_m: maybe(rng, 0.0, 500.0),
            speed_mps: maybe(rng, 0.0, 60.0),
            heading_deg: maybe(rng, 0.0, 359.9),
            altitude_m: maybe(rng, -400.0, 8000.0),
            gnss_ms: rng
                .random_bool(0.5)
                .then(|| t + rng.random_range(-5000..5000)),
        }
    }

    #[test]
    fn random_tracks_round_trip_exactly() {
        let mut rng = StdRng::seed_from_u64(7);
        for case in 0..200 {
            let n = rng.random_range(1..400);
            let mut t = 1_764_400_000_000i64 + rng.random_range(0..1_000_000_000);
            let fixes: Vec<_> = (0..n)
                .map(|_| {
                    t += rng.random_range(-2000..60_000);
                    random_fix(&mut rng, t)
                })
                .collect();
            let seg = TrackSegment::new(PatrolId::new(), fixes.clone());
            let decoded = TrackSegment::decode(&seg.encode()).unwrap();
            assert_eq!(decoded, seg, "case {case}");
            assert_eq!(decoded.encode(), seg.encode());
            for (a, b) in fixes.iter().zip(&decoded.fixes) {
                assert!((a.lat - b.lat).abs() <= 0.5e-7 + 1e-12);
                assert!((a.lon - b.lon).abs() <= 0.5e-7 + 1e-12);
                assert_eq!(a.time_ms, b.time_ms);
            }
        }
    }

    #[test]
    fn walking_track_costs_few_bytes_per_fix() {
        let mut f = PositionFix::at(1_764_400_000_000, 29.03, 111.69);
        f.accuracy_m = Some(4.0);
        f.speed_mps = Some(1.4);
        f.heading_deg = Some(90.0);
        let fixes: Vec<_> = (0..3600)
            .map(|i| PositionFix {
                time_ms: Some(1_764_400_000_000 + i * 1000),
                lon: 111.69 + i as f64 * 0.000_014,
                ..f
            })
            .collect();
        let bytes = TrackSegment::new(PatrolId::new(), fixes).encode();
        assert!(
            bytes.len() / 3600 <= 12,
            "{} bytes per fix",
            bytes.len() / 3600
        );
    }

    /// Deltas that overflow i64 (only a forger writes them) decode without a panic, and the
    /// absurd fixes they give are refused by validation rather than wrapped into believable ones.
    #[test]
    fn overflowing_deltas_never_panic() {
        let mut bytes = vec![VERSION];
        bytes.extend_from_slice(PatrolId::new().as_bytes());
        put_u(&mut bytes, 3);
        for _ in 0..3 {
            bytes.push(HAS_TIME | HAS_GNSS);
            put_i(&mut bytes, i64::MAX);
            put_i(&mut bytes, i64::MIN);
            put_i(&mut bytes, i64::MAX);
            put_i(&mut bytes, i64::MIN);
        }
        let seg = TrackSegment::decode(&bytes).expect("well-formed bytes decode");
        assert_eq!(seg.fixes.len(), 3);
        assert!(seg.validate().is_err());
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let seg = TrackSegment::new(
            PatrolId::new(),
            vec![PositionFix::at(1_764_400_000_000, 29.0, 111.0)],
        );
        let bytes = seg.encode();
        for cut in 0..bytes.len() {
            assert!(TrackSegment::decode(&bytes[..cut]).is_err());
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(TrackSegment::decode(&extra).is_err());
        let mut v2 = bytes;
        v2[0] = 2;
        assert!(TrackSegment::decode(&v2).is_err());
    }
}

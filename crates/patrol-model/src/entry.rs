//! Ledger entries and their canonical encoding. The hash of an entry is SHA-256 over
//! [`Entry::canonical_bytes`]; device and HQ both compute it with this code, byte for byte, so it
//! must never change for `v1` entries (a fixed test vector guards it). The payload is hashed as
//! the exact bytes stored — JSON for reports, the binary codec for track segments.

use crate::{CellId, DecodeError, DeviceId, EncodeError, EntryId, Record, TrackSegment};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Domain separation: a v1 ledger entry hash can never collide with any other use of SHA-256.
const DOMAIN: &[u8] = b"patrol-ledger/entry/v1\n";

/// A SHA-256 digest, shown as lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, ts_rs::TS)]
#[ts(type = "string")]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The `prev_hash` of a device's first entry.
    pub const GENESIS: Hash = Hash([0; 32]);

    pub fn of(bytes: &[u8]) -> Self {
        Hash(Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", &self.to_hex()[..12])
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out)
            .map_err(|_| DecodeError::Hash(s.chars().take(80).collect()))?;
        Ok(Hash(out))
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The kind of an entry, as stored and sent (`snake_case`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    PatrolStarted,
    PatrolStopped,
    TrackSegment,
    Violation,
    LostPerson,
    TrafficAccident,
    Assistance,
    Incident,
    PostArrived,
    PostLeft,
    Supplement,
    DispatchStep,
    TrackGap,
}

impl EntryKind {
    pub const ALL: &'static [EntryKind] = &[
        EntryKind::PatrolStarted,
        EntryKind::PatrolStopped,
        EntryKind::TrackSegment,
        EntryKind::Violation,
        EntryKind::LostPerson,
        EntryKind::TrafficAccident,
        EntryKind::Assistance,
        EntryKind::Incident,
        EntryKind::PostArrived,
        EntryKind::PostLeft,
        EntryKind::Supplement,
        EntryKind::DispatchStep,
        EntryKind::TrackGap,
    ];

    /// Whether a record of this kind can name photos ([`Record::photos`]): readers looking
    /// for photos skip decoding every other kind (a shift's track segments above all).
    pub fn may_name_photos(self) -> bool {
        matches!(
            self,
            EntryKind::Violation
                | EntryKind::LostPerson
                | EntryKind::TrafficAccident
                | EntryKind::Incident
                | EntryKind::Supplement
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::PatrolStarted => "patrol_started",
            EntryKind::PatrolStopped => "patrol_stopped",
            EntryKind::TrackSegment => "track_segment",
            EntryKind::Violation => "violation",
            EntryKind::LostPerson => "lost_person",
            EntryKind::TrafficAccident => "traffic_accident",
            EntryKind::Assistance => "assistance",
            EntryKind::Incident => "incident",
            EntryKind::PostArrived => "post_arrived",
            EntryKind::PostLeft => "post_left",
            EntryKind::Supplement => "supplement",
            EntryKind::DispatchStep => "dispatch_step",
            EntryKind::TrackGap => "track_gap",
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntryKind {
    type Err = DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntryKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DecodeError::UnknownKind(s.chars().take(64).collect()))
    }
}

impl Record {
    pub fn kind(&self) -> EntryKind {
        match self {
            Record::PatrolStarted(_) => EntryKind::PatrolStarted,
            Record::PatrolStopped(_) => EntryKind::PatrolStopped,
            Record::TrackSegment(_) => EntryKind::TrackSegment,
            Record::Violation(_) => EntryKind::Violation,
            Record::LostPerson(_) => EntryKind::LostPerson,
            Record::TrafficAccident(_) => EntryKind::TrafficAccident,
            Record::Assistance(_) => EntryKind::Assistance,
            Record::Incident(_) => EntryKind::Incident,
            Record::PostArrived(_) => EntryKind::PostArrived,
            Record::PostLeft(_) => EntryKind::PostLeft,
            Record::Supplement(_) => EntryKind::Supplement,
            Record::DispatchStep(_) => EntryKind::DispatchStep,
            Record::TrackGap(_) => EntryKind::TrackGap,
        }
    }

    /// The payload bytes stored in the ledger: the binary codec for track segments, compact JSON
    /// of the body for everything else.
    pub fn encode_payload(&self) -> Vec<u8> {
        let json = |v: &dyn erased::Ser| v.to_json();
        match self {
            Record::TrackSegment(s) => s.encode(),
            Record::PatrolStarted(r) => json(r),
            Record::PatrolStopped(r) => json(r),
            Record::Violation(r) => json(r),
            Record::LostPerson(r) => json(r),
            Record::TrafficAccident(r) => json(r),
            Record::Assistance(r) => json(r),
            Record::Incident(r) => json(r),
            Record::PostArrived(r) => json(r),
            Record::PostLeft(r) => json(r),
            Record::Supplement(r) => json(r),
            Record::DispatchStep(r) => json(r),
            Record::TrackGap(r) => json(r),
        }
    }

    pub fn decode_payload(kind: EntryKind, bytes: &[u8]) -> Result<Record, DecodeError> {
        fn j<T: serde::de::DeserializeOwned>(kind: EntryKind, b: &[u8]) -> Result<T, DecodeError> {
            serde_json::from_slice(b).map_err(|source| DecodeError::Json {
                kind: kind.as_str(),
                source,
            })
        }
        Ok(match kind {
            EntryKind::TrackSegment => Record::TrackSegment(TrackSegment::decode(bytes)?),
            EntryKind::PatrolStarted => Record::PatrolStarted(j(kind, bytes)?),
            EntryKind::PatrolStopped => Record::PatrolStopped(j(kind, bytes)?),
            EntryKind::Violation => Record::Violation(j(kind, bytes)?),
            EntryKind::LostPerson => Record::LostPerson(j(kind, bytes)?),
            EntryKind::TrafficAccident => Record::TrafficAccident(j(kind, bytes)?),
            EntryKind::Assistance => Record::Assistance(j(kind, bytes)?),
            EntryKind::Incident => Record::Incident(j(kind, bytes)?),
            EntryKind::PostArrived => Record::PostArrived(j(kind, bytes)?),
            EntryKind::PostLeft => Record::PostLeft(j(kind, bytes)?),
            EntryKind::Supplement => Record::Supplement(j(kind, bytes)?),
            EntryKind::DispatchStep => Record::DispatchStep(j(kind, bytes)?),
            EntryKind::TrackGap => Record::TrackGap(j(kind, bytes)?),
        })
    }
}

mod erased {
    /// Lets `encode_payload` name one closure for every body type.
    pub trait Ser {
        fn to_json(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> Vec<u8> {
            serde_json::to_vec(self).expect("record bodies always serialize")
        }
    }
}

/// One entry of a device's append-only ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub device_id: DeviceId,
    /// 1, 2, 3 … per device, no gaps.
    pub seq: u64,
    pub id: EntryId,
    pub kind: EntryKind,
    /// Device wall clock at capture, ms since the Unix epoch (may be wrong: HQ estimates skew).
    pub wall_ms: i64,
    /// Monotonic clock since boot at capture, ms.
    pub mono_ms: i64,
    /// GNSS time at capture when a recent fix gave one.
    pub gnss_ms: Option<i64>,
    /// Grid cell the device was in when the entry was captured.
    pub cell: Option<CellId>,
    #[serde(with = "payload_b64")]
    pub payload: Vec<u8>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// The fields of an entry before it is sealed with its hash.
#[derive(Debug, Clone)]
pub struct UnsealedEntry {
    pub device_id: DeviceId,
    pub seq: u64,
    pub id: EntryId,
    pub kind: EntryKind,
    pub wall_ms: i64,
    pub mono_ms: i64,
    pub gnss_ms: Option<i64>,
    pub cell: Option<CellId>,
    pub payload: Vec<u8>,
    pub prev_hash: Hash,
}

impl UnsealedEntry {
    /// Compute the hash and seal the entry. Fails only when a variable part is too long for its
    /// length prefix (see [`Entry::canonical_bytes`]): such an entry cannot exist in a ledger.
    pub fn seal(self) -> Result<Entry, EncodeError> {
        let mut e = Entry {
            device_id: self.device_id,
            seq: self.seq,
            id: self.id,
            kind: self.kind,
            wall_ms: self.wall_ms,
            mono_ms: self.mono_ms,
            gnss_ms: self.gnss_ms,
            cell: self.cell,
            payload: self.payload,
            prev_hash: self.prev_hash,
            hash: Hash::GENESIS,
        };
        e.hash = e.compute_hash()?;
        Ok(e)
    }
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("seq {seq}: expected seq {expected} (entries missing or out of order)")]
    Gap { seq: u64, expected: u64 },
    #[error("seq {seq}: stored hash does not match its contents (altered entry)")]
    BadHash { seq: u64 },
    #[error("seq {seq}: prev_hash does not match the hash of seq {} (chain broken)", seq - 1)]
    BadLink { seq: u64 },
    #[error("seq {seq}: belongs to device {found}, not {expected}")]
    WrongDevice {
        seq: u64,
        expected: DeviceId,
        found: DeviceId,
    },
    #[error("seq {seq}: payload does not decode: {reason}")]
    BadPayload { seq: u64, reason: String },
    /// A field too long for its length prefix: the entry has no canonical bytes, so no hash.
    #[error("seq {seq}: cannot be encoded: {reason}")]
    Unencodable { seq: u64, reason: String },
}

impl ChainError {
    pub fn seq(&self) -> u64 {
        match self {
            ChainError::Gap { seq, .. }
            | ChainError::BadHash { seq }
            | ChainError::BadLink { seq }
            | ChainError::WrongDevice { seq, .. }
            | ChainError::BadPayload { seq, .. }
            | ChainError::Unencodable { seq, .. } => *seq,
        }
    }
}

impl Entry {
    /// Its fields without the hash: what sealing it again starts from (tests that forge or
    /// rewrite an entry the way an attacker would, to show the check that catches it).
    pub fn unsealed(&self) -> UnsealedEntry {
        UnsealedEntry {
            device_id: self.device_id,
            seq: self.seq,
            id: self.id,
            kind: self.kind,
            wall_ms: self.wall_ms,
            mono_ms: self.mono_ms,
            gnss_ms: self.gnss_ms,
            cell: self.cell.clone(),
            payload: self.payload.clone(),
            prev_hash: self.prev_hash,
        }
    }

    /// The canonical bytes hashed into `hash`: a domain tag, then every field but `hash` in a
    /// fixed order with fixed-width big-endian integers and length-prefixed variable parts.
    ///
    /// Every length prefix is checked, never truncated: a kind or cell longer than 65,535 bytes
    /// or a payload of 4 GiB or more is refused ([`EncodeError`]). A truncated prefix would let
    /// two different entries share one byte string, and so one hash.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut b = Vec::with_capacity(DOMAIN.len() + 160 + self.payload.len());
        b.extend_from_slice(DOMAIN);
        b.extend_from_slice(self.device_id.as_bytes());
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(self.id.as_bytes());
        let kind = self.kind.as_str().as_bytes();
        b.extend_from_slice(&len_u16("kind", kind.len())?.to_be_bytes());
        b.extend_from_slice(kind);
        b.extend_from_slice(&self.wall_ms.to_be_bytes());
        b.extend_from_slice(&self.mono_ms.to_be_bytes());
        match self.gnss_ms {
            None => b.push(0),
            Some(g) => {
                b.push(1);
                b.extend_from_slice(&g.to_be_bytes());
            }
        }
        match &self.cell {
            None => b.push(0),
            Some(c) => {
                b.push(1);
                b.extend_from_slice(&len_u16("cell", c.0.len())?.to_be_bytes());
                b.extend_from_slice(c.0.as_bytes());
            }
        }
        let payload_len = u32::try_from(self.payload.len()).map_err(|_| EncodeError::TooLong {
            field: "payload",
            len: self.payload.len(),
            max: u32::MAX as usize,
        })?;
        b.extend_from_slice(&payload_len.to_be_bytes());
        b.extend_from_slice(&self.payload);
        b.extend_from_slice(&self.prev_hash.0);
        Ok(b)
    }

    /// SHA-256 of [`Entry::canonical_bytes`].
    pub fn compute_hash(&self) -> Result<Hash, EncodeError> {
        Ok(Hash::of(&self.canonical_bytes()?))
    }

    pub fn record(&self) -> Result<Record, DecodeError> {
        Record::decode_payload(self.kind, &self.payload)
    }

    /// Check this entry against its predecessor's hash and its own contents.
    pub fn verify_link(&self, expected_seq: u64, prev: Hash) -> Result<(), ChainError> {
        if self.seq != expected_seq {
            return Err(ChainError::Gap {
                seq: self.seq,
                expected: expected_seq,
            });
        }
        match self.compute_hash() {
            Ok(h) if h == self.hash => {}
            Ok(_) => return Err(ChainError::BadHash { seq: self.seq }),
            Err(e) => {
                return Err(ChainError::Unencodable {
                    seq: self.seq,
                    reason: e.to_string(),
                });
            }
        }
        if self.prev_hash != prev {
            return Err(ChainError::BadLink { seq: self.seq });
        }
        Ok(())
    }
}

/// Incremental chain verification: feed entries in seq order, learn the first bad one.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    device_id: DeviceId,
    next_seq: u64,
    prev: Hash,
}

impl ChainVerifier {
    pub fn new(device_id: DeviceId) -> Self {
        Self {
            device_id,
            next_seq: 1,
            prev: Hash::GENESIS,
        }
    }

    /// Resume after `seq` whose hash is `hash` (e.g. from HQ's high-water mark).
    pub fn resume(device_id: DeviceId, seq: u64, hash: Hash) -> Self {
        Self {
            device_id,
            next_seq: seq + 1,
            prev: hash,
        }
    }

    pub fn push(&mut self, e: &Entry) -> Result<(), ChainError> {
        if e.device_id != self.device_id {
            return Err(ChainError::WrongDevice {
                seq: e.seq,
                expected: self.device_id,
                found: e.device_id,
            });
        }
        e.verify_link(self.next_seq, self.prev)?;
        e.record().map_err(|err| ChainError::BadPayload {
            seq: e.seq,
            reason: err.to_string(),
        })?;
        self.next_seq += 1;
        self.prev = e.hash;
        Ok(())
    }

    /// Seq and hash of the last verified entry (0 and genesis when none).
    pub fn head(&self) -> (u64, Hash) {
        (self.next_seq - 1, self.prev)
    }
}

/// A length as a `u16` prefix, refusing what does not fit.
fn len_u16(field: &'static str, len: usize) -> Result<u16, EncodeError> {
    u16::try_from(len).map_err(|_| EncodeError::TooLong {
        field,
        len,
        max: u16::MAX as usize,
    })
}

mod payload_b64 {
    //! Payload bytes travel as standard base64 in JSON so they arrive exactly as hashed.
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD
            .decode(s)
            .map_err(|e| serde::de::Error::custom(format!("payload is not base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PatrolId, PatrolMode, PatrolStart, ViolationTally, ViolationType};
    use uuid::Uuid;

    fn fixed_entry() -> Entry {
        let device = DeviceId(Uuid::parse_str("0193a000-0000-7000-8000-000000000001").unwrap());
        let patrol = PatrolId(Uuid::parse_str("0193a000-0000-7000-8000-0000000000aa").unwrap());
        let record = Record::PatrolStarted(PatrolStart {
            patrol_id: patrol,
            mode: PatrolMode::Foot,
            group: "G07".into(),
            officers: vec!["张警官".into()],
            volunteers: [(crate::VolunteerCategory::RedVest, 3)]
                .into_iter()
                .collect(),
            vehicle_plate: None,
        });
        UnsealedEntry {
            device_id: device,
            seq: 1,
            id: EntryId(Uuid::parse_str("0193a000-0000-7000-8000-000000000101").unwrap()),
            kind: record.kind(),
            wall_ms: 1_764_400_000_000,
            mono_ms: 123_456,
            gnss_ms: Some(1_764_400_000_250),
            cell: Some("WL-03-07".into()),
            payload: record.encode_payload(),
            prev_hash: Hash::GENESIS,
        }
        .seal()
        .unwrap()
    }

    /// If this vector changes, every stored ledger stops verifying: never update it for v1.
    #[test]
    fn canonical_hash_test_vector() {
        let e = fixed_entry();
        assert_eq!(
            String::from_utf8(e.payload.clone()).unwrap(),
            r#"{"patrol_id":"0193a000-0000-7000-8000-0000000000aa","mode":"foot","group":"G07","officers":["张警官"],"volunteers":{"red-vest":3}}"#
        );
        assert_eq!(
            e.hash.to_hex(),
            "c8eec984f504517b228c7223273333115ea7a1dd460ff7ab1618b5f88b38e23e"
        );
    }

    /// The cell's length prefix is 16 bits. At the boundary the hash is pinned (cross-checked in
    /// Python); one byte more is refused, where it used to wrap to a short prefix and let two
    /// different entries share one byte string.
    #[test]
    fn length_prefixes_are_checked_at_the_boundary() {
        let mut e = fixed_entry();
        e.cell = Some(CellId("a".repeat(65_535)));
        assert_eq!(
            e.compute_hash().unwrap().to_hex(),
            "6f71a090e9ace822a304f234f2f61eef48130e828840b12c8ea6593f50423aa6"
        );
        e.cell = Some(CellId("a".repeat(65_536)));
        assert_eq!(
            e.compute_hash(),
            Err(EncodeError::TooLong {
                field: "cell",
                len: 65_536,
                max: 65_535
            })
        );
        // 65,536 + 8 bytes used to encode with the prefix of 8: the same bytes as a cell of
        // 8 followed by 65,536 bytes of whatever came next. Now it cannot be sealed at all.
        let unsealed = UnsealedEntry {
            device_id: e.device_id,
            seq: 1,
            id: e.id,
            kind: e.kind,
            wall_ms: e.wall_ms,
            mono_ms: e.mono_ms,
            gnss_ms: e.gnss_ms,
            cell: Some(CellId(format!("{}WL-03-07", "a".repeat(65_536)))),
            payload: e.payload.clone(),
            prev_hash: Hash::GENESIS,
        };
        assert!(unsealed.seal().is_err());
        e.hash = Hash([7; 32]);
        assert!(matches!(
            e.verify_link(1, Hash::GENESIS),
            Err(ChainError::Unencodable { seq: 1, .. })
        ));
    }

    #[test]
    fn chain_verifier_names_first_bad_seq() {
        let first = fixed_entry();
        let rec = Record::Violation(ViolationTally {
            patrol_id: None,
            violation: ViolationType::NoHelmet,
            plate: Some("湘J12345".parse().unwrap()),
            vehicle: None,
            seized_items: 0,
            photos: vec![],
            at: None,
            note: None,
        });
        let second = UnsealedEntry {
            seq: 2,
            id: EntryId::new(),
            kind: rec.kind(),
            payload: rec.encode_payload(),
            prev_hash: first.hash,
            device_id: first.device_id,
            wall_ms: first.wall_ms + 1,
            mono_ms: first.mono_ms + 1,
            gnss_ms: None,
            cell: None,
        }
        .seal()
        .unwrap();
        let mut v = ChainVerifier::new(first.device_id);
        v.push(&first).unwrap();
        v.push(&second.clone()).unwrap();
        assert_eq!(v.head(), (2, second.hash));

        let mut tampered = second.clone();
        tampered.payload[10] ^= 1;
        let mut v = ChainVerifier::new(first.device_id);
        v.push(&first).unwrap();
        assert_eq!(v.push(&tampered), Err(ChainError::BadHash { seq: 2 }));

        let mut v = ChainVerifier::new(first.device_id);
        assert_eq!(
            v.push(&second),
            Err(ChainError::Gap {
                seq: 2,
                expected: 1
            })
        );

        let json = serde_json::to_string(&second).unwrap();
        let back: Entry = serde_json::from_str(&json).unwrap();
        assert_eq!(back, second);
    }

    #[test]
    fn every_kind_round_trips_its_name() {
        for k in EntryKind::ALL {
            assert_eq!(k.as_str().parse::<EntryKind>().unwrap(), *k);
            assert_eq!(
                serde_json::to_string(k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
    }
}

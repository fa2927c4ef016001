//! One conformance suite for HQ's storage, run against the SQLite file and a real PostgreSQL:
//! every case is an `async fn(&dyn Storage)`, and [`conformance!`] turns each into
//! `sqlite::<case>` and `postgres::<case>`. Both backends must pass the same assertions — that
//! is what "behind the same trait" means. PostgreSQL comes from `PATROL_TEST_PG` or a throwaway
//! cluster (see `pg/mod.rs`); without PostgreSQL the `postgres::` tests fail, they never skip.

mod pg;

use chrono::NaiveTime;
use patrol_hq::storage::postgres::PgStorage;
use patrol_hq::storage::sqlite::SqliteStorage;
use patrol_hq::storage::{
    AuditRecord, DeviceRow, DeviceStatus, DispatchRow, EntryKey, ImportSummary, IngestPlan,
    PhotoRow, Role, Storage, StorageError, StoredEntry, TrackRollup, flags,
};
use patrol_model::v1::{Conflict, EntryProblem, Head, ReferenceChanges, RemovedItem};
use patrol_model::{
    City, DeviceId, DispatchId, DispatchKind, DutyWindow, Entry, EntryId, EntryKind, GridCell,
    Hash, LatLon, PatrolGroup, PatrolId, PatrolMode, PatrolStart, Post, Record, Tier,
    UnsealedEntry, VolunteerCategory,
};
use uuid::Uuid;

const NOW: i64 = 1_764_400_000_000;

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    // A real file in a temp dir, as HQ runs it.
                    let dir = tempfile::tempdir().unwrap();
                    let s = super::SqliteStorage::open(dir.path()).unwrap();
                    super::$case(&s).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = super::pg::TestDb::create().await;
                    let s = super::PgStorage::connect(&db.url).await.unwrap();
                    super::$case(&s).await;
                    drop(s);
                    drop(db);
                }
            )*
        }
    };
}

conformance!(
    migrate_is_idempotent,
    enrolment_happy_path,
    enrolment_code_expires,
    enrolment_code_is_single_use,
    revoke_device,
    operator_token_lookup,
    commit_ingest_moves_the_head,
    commit_ingest_keeps_conflicts_once,
    concurrent_commits_one_wins,
    hashes_of_a_range,
    entry_queries_filter_and_order,
    supplements_are_numbered_as_they_arrive,
    quarantine_and_flags_round_trip,
    payload_bytes_round_trip,
    photos_chunked_upload,
    photos_failed_verification_resets,
    photos_cannot_be_squatted,
    operators_roles_expiry_revocation,
    sessions_end_expire_and_follow_their_operator,
    track_rollups_upsert_replace_and_read_by_day,
    a_plans_roll_job_is_rolled_and_written_in_its_commit,
    day_counts_upsert_replace_and_read_by_day,
    audit_trail_is_kept_newest_first,
    import_city_versions_and_tombstones,
    dispatch_inbox_numbers_acknowledges_and_resends,
);

// --- helpers ----------------------------------------------------------------------------------

async fn day_counts_upsert_replace_and_read_by_day(s: &dyn Storage) {
    use chrono::NaiveDate;
    use patrol_hq::storage::DayCounts;
    use patrol_model::ViolationType;
    let d = device(1);
    let other = device(2);
    enrol(s, d).await;
    enrol(s, other).await;
    let day = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
    let row = |dev: DeviceId, on: NaiveDate, tallies: u32| DayCounts {
        device_id: dev,
        day: on,
        tz: "Asia/Shanghai".into(),
        counts: patrol_model::v1::DailyStats {
            date: on,
            timezone: "Asia/Shanghai".into(),
            patrols: 1,
            officer_trips: 2,
            violations_total: tallies,
            violations_by_type: [(ViolationType::NoHelmet, tallies)].into_iter().collect(),
            volunteers_by_category: [(VolunteerCategory::RedVest, 3)].into_iter().collect(),
            volunteers_total: 3,
            flagged_entries: 1,
            ..Default::default()
        },
    };
    // A fresh ledger is covered by its (no) rows.
    assert!(s.counts_built().await.unwrap());
    // Written with an upload, in its transaction; a later upload replaces the row.
    let mut chain = Chain::new(d);
    let e1 = stored(chain.push(EntryKind::Violation, vec![1]), NOW, None);
    let mut p = plan(0, vec![e1]);
    p.counts = vec![row(d, day(29), 1), row(d, day(30), 4)];
    s.commit_ingest(d, p).await.unwrap();
    let e2 = stored(chain.push(EntryKind::Violation, vec![2]), NOW + 1, None);
    let mut p = plan(1, vec![e2]);
    p.counts = vec![row(d, day(29), 7)];
    s.commit_ingest(d, p).await.unwrap();
    let mut oc = Chain::new(other);
    let o1 = stored(oc.push(EntryKind::Violation, vec![3]), NOW, None);
    let mut p = plan(0, vec![o1]);
    p.counts = vec![row(other, day(29), 2)];
    s.commit_ingest(other, p).await.unwrap();
    // By day, then device.
    let mut both = vec![row(d, day(29), 7), row(other, day(29), 2)];
    both.sort_by_key(|r| r.device_id.to_string());
    assert_eq!(s.day_counts(day(29), day(29)).await.unwrap(), both);
    assert_eq!(s.day_counts(day(29), day(30)).await.unwrap().len(), 3);
    assert_eq!(
        s.device_counts(d, &[day(30), day(28)]).await.unwrap(),
        [row(d, day(30), 4)]
    );
    assert!(
        s.device_counts(device(9), &[day(29)])
            .await
            .unwrap()
            .is_empty()
    );
    // A plan refused (head moved) writes no row.
    let mut stale = plan(0, vec![]);
    stale.counts = vec![row(d, day(27), 9)];
    assert!(s.commit_ingest(d, stale).await.is_err());
    assert!(s.device_counts(d, &[day(27)]).await.unwrap().is_empty());
    // A rebuild replaces the device's rows (only that device's); the flag says whether they
    // cover the ledger.
    s.replace_counts(d, &[row(d, day(28), 5)]).await.unwrap();
    assert_eq!(
        s.day_counts(day(1), day(30)).await.unwrap(),
        [row(d, day(28), 5), row(other, day(29), 2)]
    );
    assert!(s.device_counts(other, &[day(29)]).await.unwrap().len() == 1);
    s.set_counts_built(false).await.unwrap();
    assert!(!s.counts_built().await.unwrap());
    s.set_counts_built(true).await.unwrap();
    assert!(s.counts_built().await.unwrap());
}

fn device(n: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(0x0193a000_0000_7000_8000_000000000000 | n))
}

fn patrol(n: u128) -> PatrolId {
    PatrolId(Uuid::from_u128(0x0193a000_0000_7000_8000_00000000aa00 | n))
}

async fn enrol(s: &dyn Storage, id: DeviceId) -> DeviceRow {
    let code = format!("code-hash-{id}");
    s.create_enrollment(&code, &format!("phone {id}"), NOW, NOW + 600_000)
        .await
        .unwrap();
    s.redeem_enrollment(&code, id, &format!("secret-hash-{id}"), NOW)
        .await
        .unwrap()
}

/// Builds a device's hash chain one entry at a time.
struct Chain {
    device: DeviceId,
    prev: Hash,
    next: u64,
}

impl Chain {
    fn new(device: DeviceId) -> Self {
        Self {
            device,
            prev: Hash::GENESIS,
            next: 1,
        }
    }

    fn push(&mut self, kind: EntryKind, payload: Vec<u8>) -> Entry {
        let e = UnsealedEntry {
            device_id: self.device,
            seq: self.next,
            id: EntryId::new(),
            kind,
            wall_ms: NOW + self.next as i64 * 1000,
            mono_ms: 5_000 + self.next as i64 * 1000,
            gnss_ms: None,
            cell: None,
            payload,
            prev_hash: self.prev,
        }
        .seal()
        .expect("test entries encode");
        self.prev = e.hash;
        self.next += 1;
        e
    }
}

fn stored(entry: Entry, event_ms: i64, patrol_id: Option<PatrolId>) -> StoredEntry {
    StoredEntry {
        entry,
        received_ms: NOW + 60_000,
        event_ms,
        patrol_id,
        flags: vec![],
        quarantine: None,
    }
}

fn plan(expected_head: u64, new: Vec<StoredEntry>) -> IngestPlan {
    IngestPlan {
        expected_head,
        new,
        seen_ms: NOW,
        ..IngestPlan::default()
    }
}

/// `(device, seq)` of each entry, to compare orderings.
fn keys(entries: &[StoredEntry]) -> Vec<(DeviceId, u64)> {
    entries
        .iter()
        .map(|s| (s.entry.device_id, s.entry.seq))
        .collect()
}

fn moved(e: StorageError) -> (u64, u64) {
    match e {
        StorageError::HeadMoved { expected, found } => (expected, found),
        other => panic!("expected HeadMoved, got {other:?}"),
    }
}

// --- schema -----------------------------------------------------------------------------------

async fn migrate_is_idempotent(s: &dyn Storage) {
    // The constructors migrated already; running it again changes nothing.
    s.migrate().await.unwrap();
    s.migrate().await.unwrap();
    assert!(s.devices().await.unwrap().is_empty());
}

// --- identity ---------------------------------------------------------------------------------

async fn enrolment_happy_path(s: &dyn Storage) {
    let id = device(1);
    s.create_enrollment("h-code", "Patrol car 7", NOW, NOW + 600_000)
        .await
        .unwrap();
    let pending = s.pending_enrollments(NOW + 1).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].name.as_str(),
            pending[0].created_ms,
            pending[0].expires_ms
        ),
        ("Patrol car 7", NOW, NOW + 600_000)
    );

    let row = s
        .redeem_enrollment("h-code", id, "h-secret", NOW + 10)
        .await
        .unwrap();
    let want = DeviceRow {
        id,
        name: "Patrol car 7".into(),
        secret_hash: "h-secret".into(),
        status: DeviceStatus::Active,
        enrolled_ms: NOW + 10,
        revoked_ms: None,
        head: Head {
            seq: 0,
            hash: Hash::GENESIS,
        },
        last_seen_ms: None,
        skew_ms: 0,
    };
    assert_eq!(row, want);
    assert_eq!(s.device(id).await.unwrap(), Some(want.clone()));
    assert_eq!(s.devices().await.unwrap(), vec![want]);
    assert!(s.pending_enrollments(NOW + 20).await.unwrap().is_empty());
    assert_eq!(s.device(device(2)).await.unwrap(), None);
}

async fn enrolment_code_expires(s: &dyn Storage) {
    s.create_enrollment("h-late", "Kiosk", NOW, NOW + 1_000)
        .await
        .unwrap();
    assert_eq!(s.pending_enrollments(NOW + 999).await.unwrap().len(), 1);
    assert!(s.pending_enrollments(NOW + 1_000).await.unwrap().is_empty());
    let err = s
        .redeem_enrollment("h-late", device(1), "h-secret", NOW + 1_000)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::BadEnrollmentCode), "{err:?}");
    let err = s
        .redeem_enrollment("h-unknown", device(1), "h-secret", NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::BadEnrollmentCode), "{err:?}");
    assert_eq!(s.device(device(1)).await.unwrap(), None);
    // Just before expiry it still works.
    s.redeem_enrollment("h-late", device(1), "h-secret", NOW + 999)
        .await
        .unwrap();
}

async fn enrolment_code_is_single_use(s: &dyn Storage) {
    for code in ["h-a", "h-b"] {
        s.create_enrollment(code, code, NOW, NOW + 600_000)
            .await
            .unwrap();
    }
    s.redeem_enrollment("h-a", device(1), "s1", NOW)
        .await
        .unwrap();
    let err = s
        .redeem_enrollment("h-a", device(2), "s2", NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::BadEnrollmentCode), "{err:?}");

    // A valid code for an enrolled device id is refused and not used up.
    let err = s
        .redeem_enrollment("h-b", device(1), "s3", NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::DeviceExists(d) if d == device(1)),
        "{err:?}"
    );
    assert_eq!(
        s.device(device(1)).await.unwrap().unwrap().secret_hash,
        "s1"
    );
    let row = s
        .redeem_enrollment("h-b", device(2), "s2", NOW)
        .await
        .unwrap();
    assert_eq!(row.name, "h-b");
    let ids: Vec<DeviceId> = s.devices().await.unwrap().iter().map(|d| d.id).collect();
    assert_eq!(ids, vec![device(1), device(2)]);
}

async fn revoke_device(s: &dyn Storage) {
    let id = device(1);
    enrol(s, id).await;
    assert!(s.revoke_device(id, NOW + 5).await.unwrap());
    let row = s.device(id).await.unwrap().unwrap();
    assert_eq!(
        (row.status, row.revoked_ms),
        (DeviceStatus::Revoked, Some(NOW + 5))
    );
    // Revoking again keeps the first time.
    assert!(s.revoke_device(id, NOW + 9).await.unwrap());
    assert_eq!(
        s.device(id).await.unwrap().unwrap().revoked_ms,
        Some(NOW + 5)
    );
    assert!(!s.revoke_device(device(2), NOW).await.unwrap());
}

async fn operator_token_lookup(s: &dyn Storage) {
    s.add_operator("duty desk", "h-token-1", NOW).await.unwrap();
    s.add_operator("commander", "h-token-2", NOW).await.unwrap();
    s.add_operator("duty desk", "h-token-3", NOW).await.unwrap();
    for (token, name) in [
        ("h-token-1", Some("duty desk")),
        ("h-token-2", Some("commander")),
        ("h-token-3", Some("duty desk")),
        ("h-token-4", None),
    ] {
        assert_eq!(
            s.operator_by_token(token).await.unwrap().as_deref(),
            name,
            "{token}"
        );
    }
}

// --- ledger -----------------------------------------------------------------------------------

async fn commit_ingest_moves_the_head(s: &dyn Storage) {
    let d = device(1);
    enrol(s, d).await;
    let mut chain = Chain::new(d);
    let e1 = chain.push(EntryKind::Violation, b"{\"n\":1}".to_vec());
    let e2 = chain.push(EntryKind::Violation, b"{\"n\":2}".to_vec());
    let head = s
        .commit_ingest(
            d,
            IngestPlan {
                expected_head: 0,
                new: vec![stored(e1, NOW, None), stored(e2.clone(), NOW, None)],
                conflicts: vec![],
                skew_ms: 1_234,
                seen_ms: NOW + 5,
                ..IngestPlan::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        head,
        Head {
            seq: 2,
            hash: e2.hash
        }
    );
    let row = s.device(d).await.unwrap().unwrap();
    assert_eq!(
        (row.head, row.skew_ms, row.last_seen_ms),
        (head, 1_234, Some(NOW + 5))
    );

    // A plan made against an older head is refused whole.
    let e3 = chain.push(EntryKind::Incident, b"{\"n\":3}".to_vec());
    let e4 = chain.push(EntryKind::Incident, b"{\"n\":4}".to_vec());
    let err = s
        .commit_ingest(d, plan(0, vec![stored(e3.clone(), NOW, None)]))
        .await
        .unwrap_err();
    assert_eq!(moved(err), (0, 2));
    // So is one with a gap, or another device's entry.
    let err = s
        .commit_ingest(d, plan(2, vec![stored(e4.clone(), NOW, None)]))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
    let foreign = Chain::new(device(2)).push(EntryKind::Incident, vec![]);
    let mut foreign_at_3 = foreign.clone();
    foreign_at_3.seq = 3;
    let err = s
        .commit_ingest(d, plan(2, vec![stored(foreign_at_3, NOW, None)]))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
    assert_eq!(keys(&s.entries(d, 1, 100).await.unwrap()), [(d, 1), (d, 2)]);
    assert_eq!(s.device(d).await.unwrap().unwrap().head, head);

    // Nothing new: skew and last-seen still move, the head does not.
    let same = s
        .commit_ingest(
            d,
            IngestPlan {
                expected_head: 2,
                skew_ms: -50,
                seen_ms: NOW + 9,
                ..IngestPlan::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(same, head);
    let row = s.device(d).await.unwrap().unwrap();
    assert_eq!(
        (row.head, row.skew_ms, row.last_seen_ms),
        (head, -50, Some(NOW + 9))
    );

    let head = s
        .commit_ingest(
            d,
            plan(
                2,
                vec![stored(e3, NOW, None), stored(e4.clone(), NOW, None)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        head,
        Head {
            seq: 4,
            hash: e4.hash
        }
    );
    assert_eq!(s.entries(d, 1, 100).await.unwrap().len(), 4);

    // An unknown device is an error, not a panic and not a new row.
    assert!(s.commit_ingest(device(9), plan(0, vec![])).await.is_err());
    assert_eq!(s.device(device(9)).await.unwrap(), None);
}

async fn commit_ingest_keeps_conflicts_once(s: &dyn Storage) {
    let (a, b) = (device(1), device(2));
    let mut ours = Vec::new();
    for d in [b, a] {
        enrol(s, d).await;
        let e = Chain::new(d).push(EntryKind::Violation, b"{\"hq\":true}".to_vec());
        s.commit_ingest(d, plan(0, vec![stored(e.clone(), NOW, None)]))
            .await
            .unwrap();
        ours.push(e);
    }
    let (b1, a1) = (&ours[0], &ours[1]);
    let theirs = |d: DeviceId, body: &str| Chain::new(d).push(EntryKind::Violation, body.into());
    let conflict = |hq: &Entry, dev: &Entry| Conflict {
        seq: 1,
        hq_hash: hq.hash,
        device_hash: dev.hash,
    };
    let (x, y, z) = (theirs(a, "x"), theirs(a, "y"), theirs(b, "z"));
    let with = |cs: Vec<(Conflict, Entry)>| IngestPlan {
        expected_head: 1,
        conflicts: cs,
        seen_ms: NOW,
        ..IngestPlan::default()
    };
    // The same conflict reported by two uploads is kept once.
    for _ in 0..2 {
        s.commit_ingest(a, with(vec![(conflict(a1, &x), x.clone())]))
            .await
            .unwrap();
    }
    assert_eq!(
        s.conflicts(Some(a)).await.unwrap(),
        vec![(a, conflict(a1, &x))]
    );
    // Other bytes for the same seq are another conflict.
    s.commit_ingest(a, with(vec![(conflict(a1, &y), y.clone())]))
        .await
        .unwrap();
    s.commit_ingest(b, with(vec![(conflict(b1, &z), z.clone())]))
        .await
        .unwrap();

    let mut want = vec![
        (a, conflict(a1, &x)),
        (a, conflict(a1, &y)),
        (b, conflict(b1, &z)),
    ];
    want.sort_by_key(|(d, c)| (*d, c.seq, c.device_hash));
    assert_eq!(s.conflicts(None).await.unwrap(), want);
    assert_eq!(
        s.conflicts(Some(b)).await.unwrap(),
        vec![(b, conflict(b1, &z))]
    );
    assert!(s.conflicts(Some(device(3))).await.unwrap().is_empty());
    // Conflicts never touch HQ's own entries or head.
    assert_eq!(s.entries(a, 1, 10).await.unwrap()[0].entry, *a1);
    assert_eq!(s.device(a).await.unwrap().unwrap().head.hash, a1.hash);

    // Storage keeps no more than the plan's cap per device, whatever the plan holds: `a` has
    // two already, so of three more only one is kept under a cap of 3; `b` is not affected.
    let more: Vec<_> = ["p", "q", "r"].iter().map(|t| theirs(a, t)).collect();
    s.commit_ingest(
        a,
        IngestPlan {
            max_conflicts: 3,
            ..with(more.iter().map(|e| (conflict(a1, e), e.clone())).collect())
        },
    )
    .await
    .unwrap();
    assert_eq!(s.conflicts(Some(a)).await.unwrap().len(), 3);
    assert_eq!(s.conflicts(Some(b)).await.unwrap().len(), 1);
}

/// Two uploads of one device planned against the same head: one commits, the other is told
/// to plan again — never a database error, never both. Several rounds, so the two transactions
/// really overlap at least once.
async fn concurrent_commits_one_wins(s: &dyn Storage) {
    let d = device(1);
    enrol(s, d).await;
    let mut chain = Chain::new(d);
    for round in 0..8u64 {
        let mut rival = Chain {
            device: d,
            prev: chain.prev,
            next: chain.next,
        };
        let ours = chain.push(EntryKind::Incident, b"ours".to_vec());
        let theirs = rival.push(EntryKind::Incident, b"theirs".to_vec());
        let (x, y) = tokio::join!(
            s.commit_ingest(d, plan(round, vec![stored(ours.clone(), NOW, None)])),
            s.commit_ingest(d, plan(round, vec![stored(theirs.clone(), NOW, None)])),
        );
        let (head, lost, winner) = match (x, y) {
            (Ok(h), Err(e)) => (h, e, ours),
            (Err(e), Ok(h)) => (h, e, theirs),
            other => panic!("round {round}: exactly one commit must win: {other:?}"),
        };
        assert_eq!(moved(lost), (round, round + 1));
        assert_eq!(head.hash, winner.hash);
        let held = s.entries(d, round + 1, 10).await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].entry, winner);
        // The next round builds on whichever entry won.
        chain.prev = winner.hash;
    }
}

async fn hashes_of_a_range(s: &dyn Storage) {
    let d = device(1);
    enrol(s, d).await;
    let mut chain = Chain::new(d);
    let entries: Vec<Entry> = (0..4)
        .map(|i| chain.push(EntryKind::Incident, vec![i]))
        .collect();
    let new = entries
        .iter()
        .map(|e| stored(e.clone(), NOW, None))
        .collect();
    s.commit_ingest(d, plan(0, new)).await.unwrap();
    let h = |seq: u64| (seq, entries[seq as usize - 1].hash);
    assert_eq!(s.hashes(d, 2, 3).await.unwrap(), vec![h(2), h(3)]);
    assert_eq!(s.hashes(d, 3, 9).await.unwrap(), vec![h(3), h(4)]);
    assert_eq!(
        s.hashes(d, 1, u64::MAX).await.unwrap(),
        vec![h(1), h(2), h(3), h(4)]
    );
    assert!(s.hashes(d, 5, 9).await.unwrap().is_empty());
    assert!(s.hashes(d, 3, 2).await.unwrap().is_empty());
    assert!(s.hashes(device(2), 1, 9).await.unwrap().is_empty());
}

async fn entry_queries_filter_and_order(s: &dyn Storage) {
    let (a, b) = (device(1), device(2));
    let (p1, p2, p3) = (patrol(1), patrol(2), patrol(3));
    use EntryKind::*;
    // Device b uploads first, so storage order differs from (device, seq) order.
    let uploads = [
        (
            b,
            vec![
                (PatrolStarted, 1_500, Some(p3)),
                (Supplement, 2_500, None),
                (Violation, 500, Some(p1)),
            ],
        ),
        (
            a,
            vec![
                (PatrolStarted, 1_000, Some(p1)),
                (TrackSegment, 2_000, Some(p1)),
                (Supplement, 3_000, None),
                (Violation, 4_000, Some(p2)),
            ],
        ),
    ];
    for (d, specs) in uploads {
        enrol(s, d).await;
        let mut chain = Chain::new(d);
        let new = specs
            .into_iter()
            .map(|(kind, at, p)| stored(chain.push(kind, vec![1, 2, 3]), NOW + at, p))
            .collect();
        s.commit_ingest(d, plan(0, new)).await.unwrap();
    }

    let all_a = s.entries(a, 1, 100).await.unwrap();
    assert_eq!(keys(&all_a), [(a, 1), (a, 2), (a, 3), (a, 4)]);
    assert_eq!(all_a[1].entry.kind, TrackSegment);
    assert_eq!(all_a[1].patrol_id, Some(p1));
    assert_eq!(all_a[1].event_ms, NOW + 2_000);
    assert_eq!(keys(&s.entries(a, 2, 2).await.unwrap()), [(a, 2), (a, 3)]);
    assert!(s.entries(a, 5, 10).await.unwrap().is_empty());
    assert!(s.entries(device(3), 1, 10).await.unwrap().is_empty());

    // from <= event_ms < to, ordered by device then seq.
    let between = s
        .entries_between(NOW + 1_000, NOW + 3_000, None)
        .await
        .unwrap();
    assert_eq!(keys(&between), [(a, 1), (a, 2), (b, 1), (b, 2)]);
    let some_kinds = s
        .entries_between(NOW, NOW + 10_000, Some(&[Supplement, Violation]))
        .await
        .unwrap();
    assert_eq!(keys(&some_kinds), [(a, 3), (a, 4), (b, 2), (b, 3)]);
    assert!(
        s.entries_between(NOW, NOW + 10_000, Some(&[]))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.entries_between(NOW + 10_000, NOW, None)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        keys(&s.patrol_entries(&[p1]).await.unwrap()),
        [(a, 1), (a, 2), (b, 3)]
    );
    assert_eq!(
        keys(&s.patrol_entries(&[p3, p1]).await.unwrap()),
        [(a, 1), (a, 2), (b, 1), (b, 3)]
    );
    assert!(s.patrol_entries(&[]).await.unwrap().is_empty());
    assert!(s.patrol_entries(&[patrol(9)]).await.unwrap().is_empty());

    assert_eq!(keys(&s.supplements().await.unwrap()), [(a, 3), (b, 2)]);

    // The reports list's keys: the window's entries of the kinds asked, without payloads; the
    // stored columns as they are.
    let mut found = s
        .entry_keys_between(NOW, NOW + 10_000, &[Violation, PatrolStarted])
        .await
        .unwrap();
    found.sort_by_key(|k| (k.device_id, k.seq));
    let want: Vec<_> = [&all_a[0], &all_a[3]]
        .into_iter()
        .chain(s.entries(b, 1, 10).await.unwrap().iter().step_by(2))
        .map(|e| EntryKey {
            device_id: e.entry.device_id,
            seq: e.entry.seq,
            id: e.entry.id,
            kind: e.entry.kind,
            cell: e.entry.cell.clone(),
            event_ms: e.event_ms,
            patrol_id: e.patrol_id,
        })
        .collect();
    assert_eq!(found, want);
    let window = s
        .entry_keys_between(NOW + 1_000, NOW + 4_000, &[Violation])
        .await
        .unwrap();
    assert!(window.is_empty(), "{window:?}");
    assert!(
        s.entry_keys_between(NOW, NOW + 10_000, &[])
            .await
            .unwrap()
            .is_empty()
    );
    // Entries by key, in device and seq order whatever the order asked; unknown keys left out.
    let at = s
        .entries_at(&[(b, 3), (a, 4), (device(3), 1), (a, 9), (a, 1)])
        .await
        .unwrap();
    assert_eq!(keys(&at), [(a, 1), (a, 4), (b, 3)]);
    assert_eq!(at[1], all_a[3]);
    assert!(s.entries_at(&[]).await.unwrap().is_empty());

    // Each device's latest entry in ledger order, of a kind or of any, within the window.
    let latest = |kind, from, to| {
        let devices = [a, b, device(3)];
        async move { keys(&s.latest_entries(&devices, kind, from, to).await.unwrap()) }
    };
    assert_eq!(latest(None, NOW, NOW + 10_000).await, [(a, 4), (b, 3)]);
    assert_eq!(
        latest(Some(TrackSegment), NOW, NOW + 10_000).await,
        [(a, 2)]
    );
    assert_eq!(
        latest(Some(PatrolStarted), NOW, NOW + 10_000).await,
        [(a, 1), (b, 1)]
    );
    // b's seq 3 happened at +500, before the window: its latest inside is seq 2.
    assert_eq!(
        latest(None, NOW + 1_000, NOW + 3_500).await,
        [(a, 3), (b, 2)]
    );
    assert!(latest(None, NOW + 9_000, NOW + 10_000).await.is_empty());
    assert!(
        s.latest_entries(&[], None, NOW, NOW + 1)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Each stored supplement gets the next place in `supplement_log`, in the transaction that
/// stores it, so HQ's in-memory copy reads only the new ones: places `1..=n` without a hole,
/// in the order the uploads committed (two devices' uploads committing at once too), every
/// supplement and nothing else.
async fn supplements_are_numbered_as_they_arrive(s: &dyn Storage) {
    use EntryKind::*;
    let (a, b, c) = (device(1), device(2), device(3));
    let mut chains = std::collections::HashMap::new();
    for d in [a, b, c] {
        enrol(s, d).await;
        chains.insert(d, Chain::new(d));
    }
    let mut commit = |d: DeviceId, head: u64, kinds: &[EntryKind]| {
        let chain = chains.get_mut(&d).unwrap();
        let new: Vec<StoredEntry> = kinds
            .iter()
            .map(|k| stored(chain.push(*k, vec![1, 2, 3]), NOW, None))
            .collect();
        plan(head, new)
    };
    let (first, second) = (
        commit(b, 0, &[PatrolStarted, Supplement]),
        commit(a, 0, &[Violation, Supplement, Supplement]),
    );
    s.commit_ingest(b, first).await.unwrap();
    s.commit_ingest(a, second).await.unwrap();
    let placed = |v: Vec<(u64, StoredEntry)>| -> Vec<(u64, DeviceId, u64)> {
        v.into_iter()
            .map(|(n, e)| (n, e.entry.device_id, e.entry.seq))
            .collect()
    };
    assert_eq!(
        placed(s.supplements_since(0).await.unwrap()),
        [(1, b, 2), (2, a, 2), (3, a, 3)]
    );
    assert_eq!(placed(s.supplements_since(2).await.unwrap()), [(3, a, 3)]);
    assert!(s.supplements_since(3).await.unwrap().is_empty());
    assert!(s.supplements_since(99).await.unwrap().is_empty());
    // An upload without a supplement takes no place.
    let none = commit(b, 2, &[Violation]);
    s.commit_ingest(b, none).await.unwrap();
    assert!(s.supplements_since(3).await.unwrap().is_empty());

    // Two devices' uploads at once: the places still run without a hole.
    let (x, y) = (
        commit(a, 3, &[Supplement, Violation, Supplement]),
        commit(c, 0, &[Supplement]),
    );
    let (rx, ry) = tokio::join!(s.commit_ingest(a, x), s.commit_ingest(c, y));
    rx.unwrap();
    ry.unwrap();
    let all = placed(s.supplements_since(0).await.unwrap());
    let places: Vec<u64> = all.iter().map(|p| p.0).collect();
    assert_eq!(places, [1, 2, 3, 4, 5, 6]);
    let mut held: Vec<(DeviceId, u64)> = all.iter().map(|p| (p.1, p.2)).collect();
    held.sort();
    assert_eq!(held, keys(&s.supplements().await.unwrap()));
    assert!(held.contains(&(c, 1)) && held.contains(&(a, 4)) && held.contains(&(a, 6)));
}

async fn track_rollups_upsert_replace_and_read_by_day(s: &dyn Storage) {
    use chrono::NaiveDate;
    let d = device(1);
    enrol(s, d).await;
    let day = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
    let row = |p: u128, on, metres: f64, dirty| TrackRollup {
        device_id: d,
        patrol_id: patrol(p),
        day: on,
        tz: "Asia/Shanghai".into(),
        gate_m: 25.0,
        metres,
        last_t: Some(NOW),
        last_gated: Some(patrol_model::LatLon {
            lat: 29.03,
            lon: 111.69,
        }),
        dirty,
        fixes: 1234,
        first_gated: Some(patrol_model::LatLon {
            lat: 29.02,
            lon: 111.68,
        }),
        last_any: None,
        presence: [("WL-03-07".to_owned(), [60_000, 1_500])]
            .into_iter()
            .collect(),
        grid_key: "0123456789abcdef".into(),
    };
    // A fresh ledger is covered by its (no) rollups.
    assert!(s.rollups_built().await.unwrap());
    // Written with an upload, in its transaction; a later upload replaces the row.
    let mut chain = Chain::new(d);
    let e1 = stored(
        chain.push(EntryKind::TrackSegment, vec![1]),
        NOW,
        Some(patrol(1)),
    );
    let mut p = plan(0, vec![e1]);
    p.rollups = vec![
        row(1, day(29), 1234.5678901234, false),
        row(2, day(30), 0.1, false),
    ];
    s.commit_ingest(d, p).await.unwrap();
    let e2 = stored(
        chain.push(EntryKind::TrackSegment, vec![2]),
        NOW + 1,
        Some(patrol(1)),
    );
    let mut p = plan(1, vec![e2]);
    p.rollups = vec![row(1, day(29), 2000.25, true)];
    s.commit_ingest(d, p).await.unwrap();
    let got = s.day_rollups(day(29), day(29)).await.unwrap();
    assert_eq!(got, [row(1, day(29), 2000.25, true)]);
    assert_eq!(s.day_rollups(day(29), day(30)).await.unwrap().len(), 2);
    assert_eq!(
        s.device_rollups(d, &[patrol(2)]).await.unwrap(),
        [row(2, day(30), 0.1, false)]
    );
    assert!(
        s.device_rollups(device(9), &[patrol(1)])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.patrol_rollups(&[patrol(2), patrol(1)]).await.unwrap(),
        [row(1, day(29), 2000.25, true), row(2, day(30), 0.1, false)]
    );
    assert!(s.patrol_rollups(&[]).await.unwrap().is_empty());
    // A plan refused (head moved) writes no rollup.
    let mut stale = plan(0, vec![]);
    stale.rollups = vec![row(3, day(29), 9.0, false)];
    assert!(s.commit_ingest(d, stale).await.is_err());
    assert!(s.device_rollups(d, &[patrol(3)]).await.unwrap().is_empty());
    // A rebuild replaces the device's rows; the flag says whether they cover the ledger.
    s.replace_rollups(d, &[row(4, day(28), 5.0, false)])
        .await
        .unwrap();
    assert_eq!(
        s.day_rollups(day(1), day(30)).await.unwrap(),
        [row(4, day(28), 5.0, false)]
    );
    s.set_rollups_built(false).await.unwrap();
    assert!(!s.rollups_built().await.unwrap());
    s.set_rollups_built(true).await.unwrap();
    assert!(s.rollups_built().await.unwrap());
}

/// The rollups still to be rolled (`IngestPlan::roll`) are rolled inside the commit (SQLite
/// beside its inserts) and written in its transaction, exactly the rows the job gives; a plan
/// refused because the head moved writes none.
async fn a_plans_roll_job_is_rolled_and_written_in_its_commit(s: &dyn Storage) {
    use patrol_hq::projections::rollup::{RollContext, RollJob};
    use patrol_testkit::shift::{self, Noise};
    let d = device(1);
    enrol(s, d).await;
    let fixes = shift::fixes(NOW, 60, Noise::Phone);
    let segment = |fs: &[patrol_model::PositionFix]| {
        Some(Record::TrackSegment(patrol_model::TrackSegment::new(
            patrol(5),
            fs.iter().cloned(),
        )))
    };
    let mut chain = Chain::new(d);
    let new = vec![
        stored(
            chain.push(EntryKind::TrackSegment, vec![1]),
            NOW,
            Some(patrol(5)),
        ),
        stored(
            chain.push(EntryKind::TrackSegment, vec![2]),
            NOW + 30_000,
            Some(patrol(5)),
        ),
    ];
    let job = RollJob {
        existing: vec![],
        decoded: vec![segment(&fixes[..30]), segment(&fixes[30..])],
        targets: Default::default(),
        ctx: std::sync::Arc::new(RollContext::of(None)),
    };
    let want = job.run(&new);
    assert!(
        !want.is_empty() && want.iter().all(|r| r.fixes > 0),
        "{want:?}"
    );
    let mut stale = plan(1, new.clone());
    stale.roll = Some(job.clone());
    assert!(matches!(
        s.commit_ingest(d, stale).await,
        Err(StorageError::HeadMoved { .. })
    ));
    assert!(s.device_rollups(d, &[patrol(5)]).await.unwrap().is_empty());
    let mut p = plan(0, new);
    p.roll = Some(job);
    s.commit_ingest(d, p).await.unwrap();
    assert_eq!(s.device_rollups(d, &[patrol(5)]).await.unwrap(), want);
}

async fn quarantine_and_flags_round_trip(s: &dyn Storage) {
    let (a, b) = (device(1), device(2));
    let problem = |seq| {
        EntryProblem::new(
            seq,
            "invalid_payload",
            "invalid plate: 车牌 `湘J` is too short",
        )
    };
    let mut kept = Vec::new();
    for d in [b, a] {
        enrol(s, d).await;
        let mut chain = Chain::new(d);
        let bad = chain.push(EntryKind::Violation, b"{not json".to_vec());
        let q = StoredEntry {
            entry: bad,
            received_ms: NOW + 7,
            event_ms: NOW - 3,
            patrol_id: None,
            flags: vec![flags::FUTURE, flags::SKEWED_CLOCK],
            quarantine: Some(problem(1)),
        };
        let ok = StoredEntry {
            flags: vec![flags::GNSS_MISMATCH],
            ..stored(
                chain.push(EntryKind::PatrolStopped, b"{}".to_vec()),
                NOW,
                Some(patrol(4)),
            )
        };
        s.commit_ingest(d, plan(0, vec![q.clone(), ok.clone()]))
            .await
            .unwrap();
        kept.push((d, vec![q, ok]));
    }
    for (d, want) in &kept {
        assert_eq!(&s.entries(*d, 1, 10).await.unwrap(), want);
    }
    assert_eq!(s.quarantined(Some(a)).await.unwrap(), vec![(a, problem(1))]);
    assert_eq!(
        s.quarantined(None).await.unwrap(),
        vec![(a, problem(1)), (b, problem(1))]
    );
    assert!(s.quarantined(Some(device(3))).await.unwrap().is_empty());
    // A quarantined entry is never one of the reports list's keys.
    let listed = s
        .entry_keys_between(NOW - 10, NOW + 10, &[EntryKind::Violation])
        .await
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");
}

async fn payload_bytes_round_trip(s: &dyn Storage) {
    let d = device(1);
    enrol(s, d).await;
    let start = Record::PatrolStarted(PatrolStart {
        patrol_id: patrol(1),
        mode: PatrolMode::Foot,
        group: "G07".into(),
        officers: vec!["张警官".into()],
        volunteers: [(VolunteerCategory::RedVest, 3)].into_iter().collect(),
        vehicle_plate: None,
    });
    let json = UnsealedEntry {
        device_id: d,
        seq: 1,
        id: EntryId::new(),
        kind: start.kind(),
        wall_ms: NOW,
        mono_ms: 123_456,
        gnss_ms: Some(NOW + 250),
        cell: Some("WL-03-07".into()),
        payload: start.encode_payload(),
        prev_hash: Hash::GENESIS,
    }
    .seal()
    .expect("test entries encode");
    let binary = UnsealedEntry {
        seq: 2,
        id: EntryId::new(),
        kind: EntryKind::TrackSegment,
        gnss_ms: None,
        cell: None,
        // Every byte value, NULs and invalid UTF-8 included.
        payload: (0..=255u8).chain([0, 0, 0xff, 0xfe]).collect(),
        prev_hash: json.hash,
        device_id: d,
        wall_ms: i64::MAX,
        mono_ms: i64::MIN,
    }
    .seal()
    .expect("test entries encode");
    let empty = UnsealedEntry {
        seq: 3,
        id: EntryId::new(),
        kind: EntryKind::Incident,
        gnss_ms: Some(-1),
        cell: Some("格子-1".into()),
        payload: vec![],
        prev_hash: binary.hash,
        device_id: d,
        wall_ms: 0,
        mono_ms: 0,
    }
    .seal()
    .expect("test entries encode");
    let sent = vec![json, binary, empty];
    let new = sent
        .iter()
        .map(|e| stored(e.clone(), NOW, Some(patrol(1))))
        .collect();
    s.commit_ingest(d, plan(0, new)).await.unwrap();

    let back: Vec<Entry> = s
        .entries(d, 1, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.entry)
        .collect();
    assert_eq!(back, sent);
    for e in &back {
        assert_eq!(
            e.compute_hash().ok(),
            Some(e.hash),
            "seq {} no longer verifies",
            e.seq
        );
    }
    assert_eq!(back[0].record().unwrap(), start);
}

// --- photos -----------------------------------------------------------------------------------

/// Commit, as `d`'s next entries from seq `head + 1`, one violation naming each of `shas`, so
/// the device may upload those photos.
async fn name_photos(s: &dyn Storage, d: DeviceId, chain: &mut Chain, head: u64, shas: &[&str]) {
    let new: Vec<StoredEntry> = shas
        .iter()
        .map(|sha| {
            let r = Record::Violation(patrol_model::ViolationTally {
                patrol_id: None,
                violation: patrol_model::ViolationType::UmbrellaRig,
                plate: None,
                vehicle: None,
                seized_items: 1,
                photos: vec![patrol_model::PhotoRef {
                    sha256: (*sha).to_owned(),
                    size: 10,
                    mime: "image/jpeg".into(),
                }],
                at: None,
                note: None,
            });
            stored(
                chain.push(EntryKind::Violation, r.encode_payload()),
                NOW,
                None,
            )
        })
        .collect();
    s.commit_ingest(d, plan(head, new)).await.unwrap();
}

async fn photos_chunked_upload(s: &dyn Storage) {
    let d = device(1);
    enrol(s, d).await;
    let bytes = b"helloworld";
    let sha = Hash::of(bytes).to_hex();
    let other = Hash::of(b"other").to_hex();
    assert!(!s.photo_referenced(d, &sha).await.unwrap());
    name_photos(s, d, &mut Chain::new(d), 0, &[&sha, &other]).await;
    assert!(s.photo_referenced(d, &sha).await.unwrap());
    assert!(!s.photo_referenced(device(2), &sha).await.unwrap());
    assert_eq!(s.photo(&sha).await.unwrap(), None);
    let fresh = PhotoRow {
        sha256: sha.clone(),
        size: 10,
        mime: "image/jpeg".into(),
        device_id: d,
        offset: 0,
        complete: false,
    };
    assert_eq!(
        s.begin_photo(&sha, 10, "image/jpeg", d, NOW).await.unwrap(),
        fresh
    );
    // Announcing again returns the upload as it is.
    assert_eq!(
        s.begin_photo(&sha, 99, "image/png", d, NOW + 1)
            .await
            .unwrap(),
        fresh
    );
    assert_eq!(s.photo_upload(d, &sha).await.unwrap(), Some(fresh.clone()));
    assert_eq!(s.uploads_pending_bytes(d).await.unwrap(), 10);

    assert_eq!(
        s.append_photo(d, &sha, 0, b"hello").await.unwrap().offset,
        5
    );
    match s.append_photo(d, &sha, 3, b"lo").await.unwrap_err() {
        StorageError::OffsetMismatch { given, expected } => assert_eq!((given, expected), (3, 5)),
        other => panic!("expected OffsetMismatch, got {other:?}"),
    }
    let err = s.append_photo(d, &sha, 5, b"world!").await.unwrap_err();
    assert!(
        matches!(&err, StorageError::PhotoTooLarge(h) if *h == sha),
        "{err:?}"
    );
    assert_eq!(s.photo_upload(d, &sha).await.unwrap().unwrap().offset, 5);
    assert_eq!(s.upload_bytes(d, &sha).await.unwrap(), b"hello");
    assert_eq!(
        s.photo(&sha).await.unwrap(),
        None,
        "not a photo before it completes"
    );

    let row = s.append_photo(d, &sha, 5, b"world").await.unwrap();
    assert_eq!((row.offset, row.complete), (10, false));
    assert_eq!(s.upload_bytes(d, &sha).await.unwrap(), bytes);
    let done = s.finish_photo(d, &sha, true).await.unwrap();
    assert_eq!(
        done,
        PhotoRow {
            offset: 10,
            complete: true,
            ..fresh.clone()
        }
    );
    assert_eq!(s.photo(&sha).await.unwrap(), Some(done.clone()));
    assert_eq!(s.photo_bytes(&sha).await.unwrap(), bytes);
    assert_eq!(s.photo_upload(d, &sha).await.unwrap(), None);
    assert_eq!(s.uploads_pending_bytes(d).await.unwrap(), 0);
    // Announcing a complete photo answers the photo.
    assert_eq!(
        s.begin_photo(&sha, 10, "image/jpeg", d, NOW + 2)
            .await
            .unwrap(),
        done
    );

    s.begin_photo(&other, 5, "image/jpeg", d, NOW + 2)
        .await
        .unwrap();
    assert_eq!(
        s.photos_held(d, None).await.unwrap(),
        (1, vec![sha.clone()]),
        "complete photos only"
    );
    // Asked about some: those among them it holds (each once), and still the count of all.
    let asked = [
        other.clone(),
        sha.clone(),
        sha.clone(),
        Hash::of(b"x").to_hex(),
    ];
    assert_eq!(
        s.photos_held(d, Some(&asked)).await.unwrap(),
        (1, vec![sha.clone()])
    );
    assert_eq!(
        s.photos_held(d, Some(std::slice::from_ref(&other)))
            .await
            .unwrap(),
        (1, vec![])
    );
    assert_eq!(s.photos_held(d, Some(&[])).await.unwrap(), (1, vec![]));
    assert_eq!(s.photos_held(device(2), None).await.unwrap(), (0, vec![]));

    let unknown = Hash::of(b"nobody").to_hex();
    for err in [
        s.append_photo(d, &unknown, 0, b"x").await.unwrap_err(),
        s.finish_photo(d, &unknown, true).await.unwrap_err(),
        s.photo_bytes(&unknown).await.unwrap_err(),
        s.upload_bytes(d, &unknown).await.unwrap_err(),
    ] {
        assert!(
            matches!(&err, StorageError::UnknownPhoto(h) if *h == unknown),
            "{err:?}"
        );
    }
}

async fn photos_failed_verification_resets(s: &dyn Storage) {
    let d = device(1);
    enrol(s, d).await;
    let sha = Hash::of(b"abcdef").to_hex();
    s.begin_photo(&sha, 6, "image/jpeg", d, NOW).await.unwrap();
    s.append_photo(d, &sha, 0, b"abc").await.unwrap();
    s.append_photo(d, &sha, 3, b"XYZ").await.unwrap();
    let reset = s.finish_photo(d, &sha, false).await.unwrap();
    assert_eq!((reset.offset, reset.complete), (0, false));
    assert!(s.upload_bytes(d, &sha).await.unwrap().is_empty());
    assert_eq!(s.photo(&sha).await.unwrap(), None);
    // The device starts again from 0.
    let err = s.append_photo(d, &sha, 6, b"").await.unwrap_err();
    assert!(
        matches!(
            err,
            StorageError::OffsetMismatch {
                given: 6,
                expected: 0
            }
        ),
        "{err:?}"
    );
    s.append_photo(d, &sha, 0, b"abcd").await.unwrap();
    s.append_photo(d, &sha, 4, b"ef").await.unwrap();
    assert_eq!(s.upload_bytes(d, &sha).await.unwrap(), b"abcdef");
    assert!(s.finish_photo(d, &sha, true).await.unwrap().complete);
}

/// A device that announces another's photo first (with a wrong size) and never finishes blocks
/// nobody: each device uploads its own copy, and the first complete, verified one wins. The
/// second device's receipt lists the photo even though the other device completed it.
async fn photos_cannot_be_squatted(s: &dyn Storage) {
    let (honest, squatter) = (device(1), device(2));
    enrol(s, honest).await;
    enrol(s, squatter).await;
    let bytes = b"0123456789";
    let sha = Hash::of(bytes).to_hex();
    name_photos(s, honest, &mut Chain::new(honest), 0, &[&sha]).await;
    name_photos(s, squatter, &mut Chain::new(squatter), 0, &[&sha]).await;

    let squat = s
        .begin_photo(&sha, 3, "image/png", squatter, NOW)
        .await
        .unwrap();
    assert_eq!((squat.size, squat.device_id), (3, squatter));
    let mine = s
        .begin_photo(&sha, 10, "image/jpeg", honest, NOW + 1)
        .await
        .unwrap();
    assert_eq!((mine.size, mine.offset, mine.device_id), (10, 0, honest));
    s.append_photo(honest, &sha, 0, bytes).await.unwrap();
    let done = s.finish_photo(honest, &sha, true).await.unwrap();
    assert!(done.complete);
    assert_eq!(s.photo_bytes(&sha).await.unwrap(), bytes);

    // The squatter's upload finishing later changes nothing about the photo.
    s.append_photo(squatter, &sha, 0, b"abc").await.unwrap();
    let after = s.finish_photo(squatter, &sha, true).await.unwrap();
    assert_eq!(after, done);
    assert_eq!(s.photo_bytes(&sha).await.unwrap(), bytes);
    assert_eq!(s.photo_upload(squatter, &sha).await.unwrap(), None);
    for d in [honest, squatter] {
        assert_eq!(
            s.photos_held(d, None).await.unwrap(),
            (1, vec![sha.clone()])
        );
    }
}

// --- operators and the audit trail ------------------------------------------------------------

async fn operators_roles_expiry_revocation(s: &dyn Storage) {
    let h = |t: &str| Hash::of(t.as_bytes()).to_hex();
    s.add_operator("老 admin", &h("a"), NOW).await.unwrap();
    s.add_operator_with("viewer", &h("v"), Role::Viewer, Some(NOW + 10), NOW + 1)
        .await
        .unwrap();
    let admin = s.operator(&h("a")).await.unwrap().unwrap();
    assert_eq!(
        (admin.role, admin.expires_ms, admin.revoked_ms),
        (Role::Admin, None, None)
    );
    assert_eq!(admin.id, h("a")[..12]);
    let viewer = s.operator(&h("v")).await.unwrap().unwrap();
    assert_eq!(viewer.role, Role::Viewer);
    assert!(viewer.active(NOW + 9) && !viewer.active(NOW + 10), "expiry");
    assert_eq!(s.operator(&h("nobody")).await.unwrap(), None);
    let ids: Vec<String> = s
        .operators()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(ids, [admin.id.clone(), viewer.id.clone()]);

    let revoked = s
        .revoke_operator(&admin.id[..8], NOW + 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_ms, Some(NOW + 5));
    assert!(!s.operator(&h("a")).await.unwrap().unwrap().active(NOW + 6));
    // Revoking again keeps the first time; an unknown prefix is None; a bad one an error.
    let again = s
        .revoke_operator(&admin.id, NOW + 7)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.revoked_ms, Some(NOW + 5));
    assert_eq!(s.revoke_operator("ffffffffffff", NOW).await.unwrap(), None);
    assert!(
        s.revoke_operator("abc", NOW).await.is_err(),
        "too short to mean one"
    );
    assert!(s.revoke_operator("zzzzzzzz", NOW).await.is_err(), "not hex");
}

async fn sessions_end_expire_and_follow_their_operator(s: &dyn Storage) {
    let h = |t: &str| Hash::of(t.as_bytes()).to_hex();
    s.add_operator("指挥中心", &h("op"), NOW).await.unwrap();
    s.create_session(&h("s1"), &h("op"), NOW, NOW + 100, Some("10.0.0.7"))
        .await
        .unwrap();
    s.create_session(&h("s2"), &h("op"), NOW + 1, NOW + 50, None)
        .await
        .unwrap();
    // Only the hash is stored; the id is `s-` and its first 12 digits.
    let (one, op) = s.session(&h("s1")).await.unwrap().unwrap();
    assert_eq!(one.id, format!("s-{}", &h("s1")[..12]));
    assert_eq!(one.operator_id, op.id);
    assert_eq!(op.name, "指挥中心");
    assert_eq!(one.address.as_deref(), Some("10.0.0.7"));
    assert!(one.live(NOW + 99) && !one.live(NOW + 100), "expiry");
    assert_eq!(s.session(&h("nobody")).await.unwrap(), None);
    assert_eq!(s.sessions(NOW).await.unwrap().len(), 2);
    assert_eq!(s.sessions(NOW + 60).await.unwrap().len(), 1, "s2 expired");

    // Sign-out by the whole hash; revocation by id; the first end time stays.
    let ended = s.end_session(&h("s2"), NOW + 2).await.unwrap().unwrap();
    assert_eq!(ended.ended_ms, Some(NOW + 2));
    let again = s.end_session(&ended.id, NOW + 3).await.unwrap().unwrap();
    assert_eq!(again.ended_ms, Some(NOW + 2));
    assert!(!s.session(&h("s2")).await.unwrap().unwrap().0.live(NOW + 4));
    assert_eq!(s.sessions(NOW + 4).await.unwrap().len(), 1);
    assert_eq!(s.end_session("s-ffffffffffff", NOW).await.unwrap(), None);
    assert!(s.end_session("s-abc", NOW).await.is_err(), "too short");
    assert!(s.end_session("s-zzzzzzzz", NOW).await.is_err(), "not hex");

    // A session of a revoked operator is still found; its operator says it is not usable.
    s.revoke_operator(&op.id, NOW + 5).await.unwrap().unwrap();
    let (still, op) = s.session(&h("s1")).await.unwrap().unwrap();
    assert!(still.live(NOW + 6) && !op.active(NOW + 6));
}

async fn audit_trail_is_kept_newest_first(s: &dyn Storage) {
    for (i, action) in ["device_revoked", "export_reports_csv", "read_photo"]
        .iter()
        .enumerate()
    {
        s.append_audit(&AuditRecord {
            at_ms: NOW + i as i64,
            operator: "值班员 (abc123)".into(),
            role: Role::Viewer,
            address: Some("127.0.0.1".into()),
            action: (*action).into(),
            target: (i == 0).then(|| "d1".into()),
        })
        .await
        .unwrap();
    }
    let got = s.audit(2).await.unwrap();
    let actions: Vec<&str> = got.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["read_photo", "export_reports_csv"]);
    let all = s.audit(10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].target.as_deref(), Some("d1"));
    assert_eq!(all[2].operator, "值班员 (abc123)");
}

// --- reference data ---------------------------------------------------------------------------

fn ll(lat: f64, lon: f64) -> LatLon {
    LatLon { lat, lon }
}

fn cell(id: &str, name: &str) -> GridCell {
    GridCell {
        id: id.into(),
        name: name.into(),
        ring: vec![
            ll(27.8291, 113.1402),
            ll(27.8302, 113.1402),
            ll(27.8302, 113.1419),
        ],
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn city_v1() -> City {
    City {
        name: "株洲".into(),
        timezone: "Asia/Shanghai".into(),
        // Deliberately not sorted: storage answers in id order.
        cells: vec![cell("WL-02", "二号网格"), cell("WL-01", "一号网格")],
        posts: vec![Post {
            id: "P05".into(),
            name: "建设路口".into(),
            location: ll(27.8295, 113.141),
            radius_m: 50.0,
            duty_windows: vec![
                DutyWindow::new(hm(6, 0), hm(9, 0)),
                DutyWindow::new(hm(17, 0), hm(21, 0)),
            ],
        }],
        groups: vec![PatrolGroup {
            id: "G07".into(),
            name: "第七组".into(),
            mode: Some(PatrolMode::Foot),
            cells: vec!["WL-01".into(), "WL-02".into()],
        }],
        settings: Default::default(),
    }
}

fn sorted(mut c: City) -> City {
    c.cells.sort_by(|a, b| a.id.cmp(&b.id));
    c.posts.sort_by(|a, b| a.id.cmp(&b.id));
    c.groups.sort_by(|a, b| a.id.cmp(&b.id));
    c
}

fn summary(added: u32, changed: u32, removed: u32, unchanged: u32, cursor: u64) -> ImportSummary {
    ImportSummary {
        added,
        changed,
        removed,
        unchanged,
        cursor,
    }
}

async fn import_city_versions_and_tombstones(s: &dyn Storage) {
    assert_eq!(s.city().await.unwrap(), None);
    assert_eq!(s.reference_since(0).await.unwrap(), None);
    assert_eq!(s.reference_counter().await.unwrap(), None);

    assert_eq!(s.sync_news(device(1)).await.unwrap().reference, None);
    let v1 = city_v1();
    let first = s.import_city(&v1, NOW).await.unwrap();
    // A sync's head answer names the cursor `/reference` would answer with.
    let cursor = s.reference_since(0).await.unwrap().unwrap().cursor;
    let news = s.sync_news(device(1)).await.unwrap().reference;
    assert_eq!(news.map(|c| c.to_string()), Some(cursor));
    let c1 = first.cursor;
    assert!(c1 >= 4, "{first:?}");
    assert_eq!(first, summary(4, 0, 0, 0, c1));
    assert_eq!(s.city().await.unwrap(), Some(sorted(v1.clone())));
    let everything = s.reference_since(0).await.unwrap().unwrap();
    assert_eq!(everything.apply_to(None), sorted(v1.clone()));
    assert_eq!(everything.cursor, c1.to_string());
    assert!(everything.removed.is_empty());

    assert_eq!(s.reference_counter().await.unwrap(), Some(c1));
    // The same city again changes nothing, not even the cursor.
    assert_eq!(
        s.import_city(&v1, NOW + 1).await.unwrap(),
        summary(0, 0, 0, 4, c1)
    );
    assert_eq!(s.reference_counter().await.unwrap(), Some(c1));

    // One cell renamed, the post gone.
    let mut v2 = v1.clone();
    v2.cells[1].name = "一号网格（扩）".into();
    v2.posts.clear();
    let second = s.import_city(&v2, NOW + 2).await.unwrap();
    let c2 = c1 + 2;
    assert_eq!(second, summary(0, 1, 1, 2, c2));
    assert_eq!(s.reference_counter().await.unwrap(), Some(c2));
    let since_c1 = s.reference_since(c1).await.unwrap().unwrap();
    assert_eq!(
        since_c1,
        ReferenceChanges {
            cursor: c2.to_string(),
            name: "株洲".into(),
            timezone: "Asia/Shanghai".into(),
            cells: vec![v2.cells[1].clone()],
            posts: vec![],
            groups: vec![],
            removed: vec![RemovedItem {
                kind: "post".into(),
                id: "P05".into()
            }],
            settings: Some(Default::default()),
            map_pack: None,
        }
    );
    // A device holding v1 that applies the changes holds v2.
    assert_eq!(
        since_c1.apply_to(Some(sorted(v1.clone()))),
        sorted(v2.clone())
    );
    assert_eq!(s.city().await.unwrap(), Some(sorted(v2.clone())));
    let nothing = s.reference_since(c2).await.unwrap().unwrap();
    assert_eq!(
        (
            nothing.cursor.as_str(),
            nothing.cells.len() + nothing.posts.len() + nothing.groups.len(),
            nothing.removed.len()
        ),
        (c2.to_string().as_str(), 0, 0)
    );
    let all = s.reference_since(0).await.unwrap().unwrap();
    assert_eq!(all.apply_to(None), sorted(v2.clone()));

    // The post comes back and the time zone changes: both bump the counter.
    let mut v3 = v2.clone();
    v3.posts = v1.posts.clone();
    v3.timezone = "Asia/Urumqi".into();
    let third = s.import_city(&v3, NOW + 3).await.unwrap();
    let c3 = c2 + 2;
    assert_eq!(third, summary(1, 0, 0, 3, c3));
    let since_c2 = s.reference_since(c2).await.unwrap().unwrap();
    assert_eq!(
        (
            since_c2.cursor.clone(),
            since_c2.timezone.as_str(),
            since_c2.posts.clone(),
            since_c2.removed.len()
        ),
        (c3.to_string(), "Asia/Urumqi", v1.posts.clone(), 0)
    );
    assert_eq!(since_c2.apply_to(Some(sorted(v2))), sorted(v3.clone()));
    // A cursor HQ never handed out (its database was replaced) gets everything.
    assert_eq!(
        s.reference_since(c3 + 100).await.unwrap(),
        s.reference_since(0).await.unwrap()
    );

    // The city's settings change: the header's version moves, and a device that applies the
    // download holds them.
    let mut v4 = v3.clone();
    v4.settings.campaign_start = chrono::NaiveDate::from_ymd_opt(2026, 8, 26);
    v4.settings.accuracy_gate_m = Some(30.0);
    let fourth = s.import_city(&v4, NOW + 4).await.unwrap();
    assert_eq!(fourth, summary(0, 0, 0, 4, c3 + 1));
    let since_c3 = s.reference_since(c3).await.unwrap().unwrap();
    assert_eq!(since_c3.settings, Some(v4.settings.clone()));
    assert_eq!(since_c3.apply_to(Some(sorted(v3))), sorted(v4.clone()));
    assert_eq!(s.city().await.unwrap(), Some(sorted(v4)));
}

// --- backend-specific -------------------------------------------------------------------------

/// SHA-256 of every shipped migration. A failing line means a shipped file was edited: revert
/// it and add a new numbered migration instead.
const SQLITE_SHIPPED: &[(&str, &str)] = &[
    (
        "0001_hq.sql",
        "1b28ff7487fa759f772cee45b80a195cadeeae136a2ad7981d92f7dabf796af2",
    ),
    (
        "0002_photos_per_device.sql",
        "325d736b75522bf1c36dabc465dee3c2fad41a204a5b8233ea97aadefba49209",
    ),
    (
        "0003_operators_and_audit.sql",
        "bdb2160fb3b24b2b58493debc26bafd77b89ac5a20214754c285ddb6fe8895c6",
    ),
    (
        "0004_city_settings.sql",
        "db88b7366e129b801f0cbdc6009240bc6e860820a3a0d4476cc3f7d2d894be98",
    ),
    (
        "0005_operator_sessions.sql",
        "ae5aa50d79a26004d261a7cc947f44ea37703233340c870ec80aef34c301accd",
    ),
    (
        "0006_track_rollups.sql",
        "4a238f0c46ec00f1192882c56d03e565c6b33d324a255caad14f291682f7685f",
    ),
    (
        "0007_dispatch.sql",
        "5f8a3f313455b882ca57a171368562744847a317f2d24712e246bccf30578343",
    ),
    (
        "0008_rollups_tangent_plane.sql",
        "9ece4c361a2e0292ce05804c54ed99a1ded8e8e90aaf29b56a4c380e90716a8b",
    ),
    (
        "0009_reports_by_kind_and_time.sql",
        "2c71d103cfd261d730f48c9868d59b0171c62514432367235ada363faf8e5c27",
    ),
    (
        "0010_day_counts.sql",
        "27a3477d9db7f567a71174f2317a32f05ae5f6b6718ac6fa6ac64cab70a41be6",
    ),
    (
        "0011_lean_entry_indexes.sql",
        "3f0fe011666338f8bf33605ffb5127e2295d67587b76b6a9e39d1dbc324b016d",
    ),
    (
        "0012_rebuild_rollups_with_gaps.sql",
        "36edc411684962d48df303428a78353bbf3e92940e76c8ba6b06ac2e76d41c54",
    ),
    (
        "0013_report_keys_in_the_index.sql",
        "61344f410c23ee5db9fba58884999c06d20a84d72ac9194f0fa9ed0f5b410dd3",
    ),
    (
        "0014_supplement_log.sql",
        "091498fb6d685a035c9e43a2cd6a15faa3c07f53ee76e54b216dc0bad52de5e4",
    ),
    (
        "0015_entries_checked_by_their_upload.sql",
        "ac65d68f86904418a1f385b39b5618cb13708eb4d6723d5a922b768e254e423a",
    ),
];
const POSTGRES_SHIPPED: &[(&str, &str)] = &[
    (
        "0001_hq.sql",
        "3c4da9d41c8bbf8c71d7e1860abf3b9987a73a242ac9259743cb9902016579a9",
    ),
    (
        "0002_photos_per_device.sql",
        "9656ad42bccebe2c3e776db6ad41c1326a1cf44b38994829711318ddb0b4306e",
    ),
    (
        "0003_operators_and_audit.sql",
        "91f2cf8ac89fe3c71ee47f4f141ffb6878ce0002f3fc978a62619eae6d9ee655",
    ),
    (
        "0004_city_settings.sql",
        "db88b7366e129b801f0cbdc6009240bc6e860820a3a0d4476cc3f7d2d894be98",
    ),
    (
        "0005_operator_sessions.sql",
        "2f8cf0aca94679509acb73fe0076df7db7639286e4e147aee5716242a9a3c262",
    ),
    (
        "0006_track_rollups.sql",
        "03b0ec8c8ae14f6875fe712d901b1a034c5e4a9bea3807a7009fc92a357c0d39",
    ),
    (
        "0007_dispatch.sql",
        "2adf8b4d060908d2ece9ea506d862e2963b6e42a712d937591303ea57eae25b5",
    ),
    (
        "0008_rollups_tangent_plane.sql",
        "9ece4c361a2e0292ce05804c54ed99a1ded8e8e90aaf29b56a4c380e90716a8b",
    ),
    (
        "0009_reports_by_kind_and_time.sql",
        "2c71d103cfd261d730f48c9868d59b0171c62514432367235ada363faf8e5c27",
    ),
    (
        "0010_day_counts.sql",
        "cd985ec06812307cc2510dfdec8a332220c85e5157053e2b8ab081479466a36e",
    ),
    (
        "0011_lean_entry_indexes.sql",
        "3f0fe011666338f8bf33605ffb5127e2295d67587b76b6a9e39d1dbc324b016d",
    ),
    (
        "0012_rebuild_rollups_with_gaps.sql",
        "2b665aeb0e68e03241fdde49449d6315f57f507b4e528ebadef20ad2131965f3",
    ),
    (
        "0013_report_keys_in_the_index.sql",
        "822b8e9511b833fa6bbb50e0aa2bc5485da42fd954bc36c8f9d5b81c60f5616d",
    ),
    (
        "0014_supplement_log.sql",
        "25cfe6b879064376c1be9bfa06fdab657bb468ba4c7125d1248e792e49c57e5a",
    ),
    (
        "0015_entries_checked_by_their_upload.sql",
        "923c7768a6b543375f42588ceda4cd7ce0e7d2bdbe30963871df780732965c96",
    ),
];

fn check_migrations(backend: &str, embedded: &[(i64, &str, &str)], shipped: &[(&str, &str)]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    patrol_testkit::migrations::check(&dir, embedded, shipped);
}

#[test]
fn migrations_are_numbered_files_and_never_edited() {
    check_migrations(
        "sqlite",
        patrol_hq::storage::sqlite::MIGRATIONS,
        SQLITE_SHIPPED,
    );
    check_migrations(
        "postgres",
        patrol_hq::storage::postgres::MIGRATIONS,
        POSTGRES_SHIPPED,
    );
}

#[tokio::test]
async fn sqlite_file_is_durable_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/hq");
    let s = SqliteStorage::open(&data).unwrap();
    assert_eq!(s.path(), Some(data.join("hq.sqlite").as_path()));
    enrol(&s, device(1)).await;
    drop(s);

    let raw = rusqlite::Connection::open(data.join("hq.sqlite")).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(
        (mode.as_str(), version),
        ("wal", patrol_hq::storage::sqlite::MIGRATIONS.len() as i64)
    );
    drop(raw);

    let s = SqliteStorage::open(&data).unwrap();
    assert!(s.device(device(1)).await.unwrap().is_some());
    let mem = SqliteStorage::open_in_memory().unwrap();
    assert_eq!(mem.path(), None);
    assert!(mem.devices().await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStorage::open(dir.path()).unwrap());
    let raw = rusqlite::Connection::open(dir.path().join("hq.sqlite")).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let err = SqliteStorage::open(dir.path()).unwrap_err();
    assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
}

/// A database of schema 1 with a photo half uploaded, a complete one and an entry naming it
/// moves to schema 2 whole: the half upload becomes that device's upload, the complete photo
/// stays, and the entry's reference is found.
#[tokio::test]
async fn sqlite_upgrades_photos_to_per_device_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let d = device(1);
    let done = Hash::of(b"done").to_hex();
    let half = Hash::of(b"half-of-it").to_hex();
    {
        let raw = rusqlite::Connection::open(dir.path().join("hq.sqlite")).unwrap();
        raw.execute_batch(patrol_hq::storage::sqlite::MIGRATIONS[0].2)
            .unwrap();
        raw.pragma_update(None, "user_version", 1).unwrap();
        raw.execute(
            "INSERT INTO devices (id, name, secret_hash, status, enrolled_ms, head_seq, head_hash)
             VALUES (?1, 'd', 'x', 'active', 0, 0, zeroblob(32))",
            [d.to_string()],
        )
        .unwrap();
        for (sha, got, complete) in [(&done, 4, 1), (&half, 4, 0)] {
            raw.execute(
                "INSERT INTO photos (sha256, size, mime, device_id, created_ms, received_bytes,
                                     complete) VALUES (?1, 10, 'image/jpeg', ?2, 0, ?3, ?4)",
                rusqlite::params![sha, d.to_string(), got, complete],
            )
            .unwrap();
            raw.execute(
                "INSERT INTO photo_chunks (sha256, chunk_start, bytes) VALUES (?1, 0, x'00010203')",
                [sha],
            )
            .unwrap();
        }
        let payload = format!(
            r#"{{"type":"umbrella-rig","photos":[{{"sha256":"{done}","size":4,"mime":"image/jpeg"}}]}}"#
        );
        raw.execute(
            "INSERT INTO entries (device_id, seq, id, kind, wall_ms, mono_ms, payload, prev_hash,
                                  hash, received_ms, event_ms)
             VALUES (?1, 1, 'e1', 'violation', 0, 0, ?2, zeroblob(32), zeroblob(32), 0, 0)",
            rusqlite::params![d.to_string(), payload.as_bytes()],
        )
        .unwrap();
    }
    let s = SqliteStorage::open(dir.path()).unwrap();
    assert!(s.photo(&done).await.unwrap().unwrap().complete);
    assert_eq!(s.photo_bytes(&done).await.unwrap(), [0, 1, 2, 3]);
    assert_eq!(s.photo(&half).await.unwrap(), None);
    let up = s.photo_upload(d, &half).await.unwrap().unwrap();
    assert_eq!((up.offset, up.complete), (4, false));
    assert_eq!(s.upload_bytes(d, &half).await.unwrap(), [0, 1, 2, 3]);
    assert!(s.photo_referenced(d, &done).await.unwrap());
    assert!(!s.photo_referenced(d, &half).await.unwrap());
}

/// Rollups rebuilt before schema 12 left out the recorded tracking gaps: a database of schema 11
/// whose ledger holds a gap has its rollups marked for a rebuild by the upgrade; one without a
/// gap keeps its rows as they are.
#[tokio::test]
async fn sqlite_upgrade_rebuilds_rollups_only_where_a_gap_is_recorded() {
    for (kind, rebuilt) in [("track_gap", true), ("violation", false)] {
        let dir = tempfile::tempdir().unwrap();
        let d = device(1);
        {
            let mut raw = rusqlite::Connection::open(dir.path().join("hq.sqlite")).unwrap();
            let tx = raw.transaction().unwrap();
            for (version, _, sql) in &patrol_hq::storage::sqlite::MIGRATIONS[..11] {
                tx.execute_batch(sql).unwrap();
                tx.pragma_update(None, "user_version", version).unwrap();
            }
            tx.commit().unwrap();
            raw.execute(
                "INSERT INTO devices (id, name, secret_hash, status, enrolled_ms, head_seq, head_hash)
                 VALUES (?1, 'd', 'x', 'active', 0, 0, zeroblob(32))",
                [d.to_string()],
            )
            .unwrap();
            raw.execute(
                "INSERT INTO entries (device_id, seq, id, kind, wall_ms, mono_ms, payload, prev_hash,
                                      hash, received_ms, event_ms)
                 VALUES (?1, 1, 'e1', ?2, 0, 0, x'7b7d', zeroblob(32), zeroblob(32), 0, 0)",
                rusqlite::params![d.to_string(), kind],
            )
            .unwrap();
            raw.execute("UPDATE rollup_state SET built = 1", [])
                .unwrap();
        }
        let s = SqliteStorage::open(dir.path()).unwrap();
        assert_eq!(
            !s.rollups_built().await.unwrap(),
            rebuilt,
            "a {kind} in the ledger"
        );
    }
}

/// A database of schema 13 already holds supplements: the upgrade numbers them by device and
/// seq, and the next one stored takes the place after them.
#[tokio::test]
async fn sqlite_upgrade_numbers_the_supplements_already_held() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (device(1), device(2));
    {
        let mut raw = rusqlite::Connection::open(dir.path().join("hq.sqlite")).unwrap();
        let tx = raw.transaction().unwrap();
        for (version, _, sql) in &patrol_hq::storage::sqlite::MIGRATIONS[..13] {
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", version).unwrap();
        }
        tx.commit().unwrap();
        for d in [b, a] {
            raw.execute(
                "INSERT INTO devices (id, name, secret_hash, status, enrolled_ms, head_seq, head_hash)
                 VALUES (?1, 'd', 'x', 'active', 0, 0, zeroblob(32))",
                [d.to_string()],
            )
            .unwrap();
        }
        for (d, seq, kind) in [
            (b, 1, "supplement"),
            (a, 1, "violation"),
            (a, 2, "supplement"),
            (b, 2, "supplement"),
        ] {
            raw.execute(
                "INSERT INTO entries (device_id, seq, id, kind, wall_ms, mono_ms, payload, prev_hash,
                                      hash, received_ms, event_ms)
                 VALUES (?1, ?2, ?3, ?4, 0, 0, x'7b7d', zeroblob(32), zeroblob(32), 0, 0)",
                rusqlite::params![d.to_string(), seq, EntryId::new().to_string(), kind],
            )
            .unwrap();
        }
    }
    let s = SqliteStorage::open(dir.path()).unwrap();
    let places: Vec<(u64, DeviceId, u64)> = s
        .supplements_since(0)
        .await
        .unwrap()
        .into_iter()
        .map(|(n, e)| (n, e.entry.device_id, e.entry.seq))
        .collect();
    assert_eq!(places, [(1, a, 2), (2, b, 1), (3, b, 2)]);
}

#[tokio::test]
async fn postgres_refuses_a_newer_schema() {
    let db = pg::TestDb::create().await;
    drop(PgStorage::connect(&db.url).await.unwrap());
    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(conn);
    client
        .batch_execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')",
        )
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    let err = PgStorage::connect(&db.url).await.unwrap_err();
    assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
}

/// A device is revoked, never deleted, on both backends (migration 0015): on PostgreSQL no
/// foreign key from its entries says so any more.
#[tokio::test]
async fn a_device_is_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStorage::open(dir.path()).unwrap();
    enrol(&s, device(1)).await;
    drop(s);
    let raw = rusqlite::Connection::open(dir.path().join("hq.sqlite")).unwrap();
    let err = raw
        .execute("DELETE FROM devices", [])
        .expect_err("SQLite refuses");
    assert!(err.to_string().contains("never deleted"), "{err}");

    let db = pg::TestDb::create().await;
    let s = PgStorage::connect(&db.url).await.unwrap();
    enrol(&s, device(1)).await;
    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(conn);
    let err = client
        .batch_execute("DELETE FROM devices")
        .await
        .expect_err("PostgreSQL refuses");
    let message = err.as_db_error().map(|e| e.message().to_owned());
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.contains("never deleted")),
        "{err:?}"
    );
    drop(client);
    let _ = task.await;
    assert_eq!(s.devices().await.unwrap().len(), 1);
}

#[tokio::test]
async fn postgres_unreachable_is_an_error() {
    // Port 1 on localhost: nothing listens there.
    let err = PgStorage::connect("postgres://nobody@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
}

fn dispatch_row(call_ms: i64) -> DispatchRow {
    DispatchRow {
        id: DispatchId::new(),
        kind: DispatchKind::Theft,
        tier: Tier::Three,
        target: ll(29.03, 111.69),
        radius_m: 100.0,
        address: Some("武陵大道 88 号".into()),
        note: None,
        source: Some((device(9), 4)),
        call_ms,
        created_ms: call_ms + 1,
        created_by: "值班长".into(),
        closed_ms: None,
        closed_reason: None,
    }
}

async fn dispatch_inbox_numbers_acknowledges_and_resends(s: &dyn Storage) {
    let (a, b) = (device(1), device(2));
    enrol(s, a).await;
    enrol(s, b).await;
    let d1 = dispatch_row(NOW);
    let d2 = dispatch_row(NOW + 10);
    s.create_dispatch(&d1).await.unwrap();
    s.create_dispatch(&d2).await.unwrap();
    assert!(
        s.create_dispatch(&d1).await.is_err(),
        "a dispatch id is new"
    );
    let mut got = s
        .dispatches_by_id(&[d2.id, d1.id, DispatchId::new()])
        .await
        .unwrap();
    got.sort_by_key(|d| d.call_ms);
    assert_eq!(got, vec![d1.clone(), d2.clone()]);

    // Each device numbers its own inbox; sending twice is one send.
    assert_eq!(s.push_inbox(a, d1.id, None, NOW + 100).await.unwrap(), 1);
    assert_eq!(s.push_inbox(a, d1.id, None, NOW + 150).await.unwrap(), 1);
    assert_eq!(s.push_inbox(a, d2.id, None, NOW + 200).await.unwrap(), 2);
    assert_eq!(s.push_inbox(b, d1.id, None, NOW + 200).await.unwrap(), 1);
    // Withdrawn, then sent again: a new order.
    assert_eq!(
        s.push_inbox(a, d1.id, Some("reassigned"), NOW + 300)
            .await
            .unwrap(),
        3
    );
    assert_eq!(s.push_inbox(a, d1.id, None, NOW + 400).await.unwrap(), 4);
    assert!(
        s.push_inbox(device(7), d1.id, None, NOW).await.is_err(),
        "not enrolled"
    );
    assert_eq!(s.inbox_head(a).await.unwrap(), 4);
    assert_eq!(s.inbox_head(device(3)).await.unwrap(), 0);

    let after1 = s.inbox(a, 1, 2).await.unwrap();
    assert_eq!(after1.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(after1[1].withdrawn.as_deref(), Some("reassigned"));
    assert_eq!(after1[0].dispatch_id, d2.id);

    // Not delivered after the timeout: sent again, once per round.
    let resent = s.resend_due(NOW + 250, NOW + 1_000, 10).await.unwrap();
    assert_eq!(
        resent
            .iter()
            .map(|r| (r.device_id, r.seq))
            .collect::<Vec<_>>(),
        vec![(a, 1), (a, 2), (b, 1)]
    );
    assert!(
        resent
            .iter()
            .all(|r| r.resends == 1 && r.last_sent_ms == NOW + 1_000)
    );
    assert!(
        s.resend_due(NOW + 250, NOW + 1_100, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // At most `max_resends` times: the first three have had their one.
    let capped = s.resend_due(NOW + 1_000, NOW + 1_200, 1).await.unwrap();
    assert_eq!(
        capped
            .iter()
            .map(|r| (r.device_id, r.seq))
            .collect::<Vec<_>>(),
        vec![(a, 3), (a, 4)]
    );

    // Acknowledged through 3: those three delivered now, and only once.
    let acked = s.ack_inbox(a, 3, NOW + 2_000).await.unwrap();
    assert_eq!(
        acked.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(s.ack_inbox(a, 3, NOW + 3_000).await.unwrap().is_empty());
    let all = s.inbox_of(&[d1.id]).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.device_id, r.seq, r.delivered_ms))
            .collect::<Vec<_>>(),
        vec![
            (a, 1, Some(NOW + 2_000)),
            (a, 3, Some(NOW + 2_000)),
            (a, 4, None),
            (b, 1, None)
        ]
    );
    // What a sync's head answer says of each inbox: its newest seq and oldest undelivered.
    let news = |d| async move {
        let n = s.sync_news(d).await.unwrap();
        (n.reference, n.inbox_head, n.inbox_undelivered)
    };
    assert_eq!(news(a).await, (None, 4, Some(4)));
    assert_eq!(news(b).await, (None, 1, Some(1)));
    assert_eq!(news(device(3)).await, (None, 0, None));
    s.ack_inbox(a, 4, NOW + 4_000).await.unwrap();
    assert_eq!(news(a).await, (None, 4, None));

    // Closing: once; the day's list keeps open ones from earlier days.
    assert!(
        s.close_dispatch(d2.id, "duplicate call", NOW + 5_000)
            .await
            .unwrap()
    );
    assert!(!s.close_dispatch(d2.id, "again", NOW + 6_000).await.unwrap());
    let later = s
        .dispatches(NOW + 86_400_000, NOW + 2 * 86_400_000)
        .await
        .unwrap();
    assert_eq!(later.iter().map(|d| d.id).collect::<Vec<_>>(), vec![d1.id]);
    let day = s.dispatches(NOW, NOW + 86_400_000).await.unwrap();
    assert_eq!(day.len(), 2);
    assert_eq!(day[1].closed_reason.as_deref(), Some("duplicate call"));
}

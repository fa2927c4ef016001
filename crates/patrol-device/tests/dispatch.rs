//! Dispatches on the device: the inbox from HQ is kept once per seq, steps are ledger entries
//! with their own times, a double tap writes nothing, and arrival is suggested from position.

mod common;
use common::*;
use patrol_device::{Capture, Error};
use patrol_model::dispatch::{DispatchOrder, InboxItem, InboxMessage};
use patrol_model::*;

const TARGET: LatLon = LatLon {
    lat: 29.0315,
    lon: 111.6985,
};

fn order(id: DispatchId, seq: u64) -> InboxItem {
    InboxItem {
        seq,
        message: InboxMessage::Order(DispatchOrder {
            id,
            kind: DispatchKind::Theft,
            tier: Tier::Three,
            target: TARGET,
            radius_m: 100.0,
            address: Some("人民路 18 号 金店".into()),
            note: None,
            call_ms: 1_764_400_000_000,
            sent_ms: 1_764_400_005_000,
        }),
    }
}

#[test]
fn the_inbox_keeps_each_message_once_and_names_new_orders() {
    let (dir, mut s, clock) = store();
    let (a, b) = (DispatchId::new(), DispatchId::new());
    assert_eq!(s.inbox_cursor().unwrap(), 0);
    assert_eq!(s.save_inbox(&[order(a, 1)]).unwrap(), vec![a]);
    // Pulled again (the acknowledgement was lost): nothing new.
    assert_eq!(s.save_inbox(&[order(a, 1), order(b, 2)]).unwrap(), vec![b]);
    assert_eq!(s.inbox_cursor().unwrap(), 2);
    let withdrawn = InboxItem {
        seq: 3,
        message: InboxMessage::Withdrawn {
            dispatch_id: b,
            reason: "reassigned".into(),
        },
    };
    assert!(s.save_inbox(&[withdrawn]).unwrap().is_empty());
    // Sent again after the withdrawal: new to the officer again.
    let mut again = order(b, 4);
    again.seq = 4;
    assert_eq!(s.save_inbox(&[again]).unwrap(), vec![b]);
    drop(s);
    let s = reopen(&dir, &clock);
    let cards = s.dispatches().unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0].order.id, b, "newest first");
    assert_eq!(cards[0].state, DispatchState::Delivered, "sent again");
    assert_eq!(cards[1].state, DispatchState::Delivered);
    assert_eq!(
        cards[1].next,
        vec![DispatchStepKind::Accepted, DispatchStepKind::Declined]
    );
    assert_eq!(
        s.head().unwrap().0,
        0,
        "HQ's messages are not ledger entries"
    );
}

#[test]
fn a_bad_message_from_hq_stores_nothing() {
    let (_dir, mut s, _) = store();
    let mut bad = order(DispatchId::new(), 2);
    if let InboxMessage::Order(o) = &mut bad.message {
        o.target.lat = 123.0;
    }
    let err = s
        .save_inbox(&[order(DispatchId::new(), 1), bad])
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    assert_eq!(s.inbox_cursor().unwrap(), 0);
}

#[test]
fn steps_are_ledger_entries_with_their_own_times_and_a_double_tap_writes_nothing() {
    let (_dir, mut s, clock) = store();
    let id = DispatchId::new();
    s.save_inbox(&[order(id, 1)]).unwrap();
    let unknown = s.record_dispatch_step(
        DispatchId::new(),
        DispatchStepKind::Accepted,
        None,
        None,
        false,
        Capture::default(),
    );
    assert!(matches!(unknown, Err(Error::UnknownDispatch(_))));

    let t0 = clock.wall_ms();
    let capture = Capture {
        gnss_ms: Some(t0),
        position: Some(TARGET),
    };
    let step = |s: &mut patrol_device::Store, kind, outcome, capture| {
        s.record_dispatch_step(id, kind, outcome, None, false, capture)
    };
    step(&mut s, DispatchStepKind::Accepted, None, capture).unwrap();
    let again = step(&mut s, DispatchStepKind::Accepted, None, capture);
    assert!(matches!(again, Err(Error::DispatchStepDone { .. })));
    clock.advance_ms(90_000);
    let later = Capture {
        gnss_ms: Some(t0 + 90_000),
        position: Some(TARGET),
    };
    step(&mut s, DispatchStepKind::OnScene, None, later).unwrap();
    let no_outcome = step(&mut s, DispatchStepKind::Cleared, None, later);
    assert!(matches!(no_outcome, Err(Error::Invalid(v)) if v.field == "outcome"));
    step(
        &mut s,
        DispatchStepKind::Cleared,
        Some(DispatchOutcome::ArrestMade),
        later,
    )
    .unwrap();
    let card = s.dispatch(id).unwrap();
    assert_eq!(card.state, DispatchState::Cleared);
    assert_eq!(card.steps.accepted_ms, Some(t0));
    assert_eq!(card.steps.on_scene_ms, Some(t0 + 90_000));
    assert_eq!(card.steps.outcome, Some(DispatchOutcome::ArrestMade));
    assert!(card.next.is_empty());
    assert!(matches!(
        step(&mut s, DispatchStepKind::EnRoute, None, later),
        Err(Error::DispatchCleared(_))
    ));
    // Three entries in the chain, nothing more.
    assert_eq!(s.head().unwrap().0, 3);
    assert!(s.verify().unwrap().is_intact());
    assert_eq!(s.outbox_counts().unwrap().pending, 3);
}

#[test]
fn declining_needs_a_reason_and_a_withdrawn_dispatch_takes_no_steps() {
    let (_dir, mut s, _) = store();
    let id = DispatchId::new();
    s.save_inbox(&[order(id, 1)]).unwrap();
    let no_reason = s.record_dispatch_step(
        id,
        DispatchStepKind::Declined,
        None,
        Some(" ".into()),
        false,
        Capture::default(),
    );
    assert!(matches!(no_reason, Err(Error::Invalid(v)) if v.field == "reason"));
    s.save_inbox(&[InboxItem {
        seq: 2,
        message: InboxMessage::Withdrawn {
            dispatch_id: id,
            reason: "closed".into(),
        },
    }])
    .unwrap();
    let err = s.record_dispatch_step(
        id,
        DispatchStepKind::Accepted,
        None,
        None,
        false,
        Capture::default(),
    );
    assert!(matches!(err, Err(Error::DispatchWithdrawn(_))));
    assert_eq!(s.head().unwrap().0, 0);
}

#[test]
fn arrival_is_suggested_from_the_patrols_fixes_near_the_target() {
    let (_dir, mut s, clock) = store();
    s.start_patrol(start("G1"), Capture::default()).unwrap();
    let id = DispatchId::new();
    s.save_inbox(&[order(id, 1)]).unwrap();
    assert_eq!(s.scene_suggestion().unwrap(), None);
    // Walking in from 500 m north, then standing 30 m from the target for 40 s.
    let t0 = clock.wall_ms();
    for i in 0..60i64 {
        let north_m = if i < 20 {
            500.0 - 24.0 * i as f64
        } else {
            30.0
        };
        let fix = PositionFix {
            accuracy_m: Some(8.0),
            ..PositionFix::at(t0 + i * 1000, TARGET.lat + north_m / 111_320.0, TARGET.lon)
        };
        s.record_fix(fix).unwrap();
    }
    let sug = s.scene_suggestion().unwrap().expect("on scene suggested");
    assert_eq!(sug.dispatch_id, id);
    assert!(
        sug.arrived_ms >= t0 + 17_000 && sug.arrived_ms <= t0 + 20_000,
        "{sug:?}"
    );
    // Confirmed: no longer suggested.
    s.record_dispatch_step(
        id,
        DispatchStepKind::OnScene,
        None,
        None,
        true,
        Capture::default(),
    )
    .unwrap();
    assert_eq!(s.scene_suggestion().unwrap(), None);
}

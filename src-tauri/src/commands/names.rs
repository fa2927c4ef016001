//! The app's command names: exactly the commands of docs/app-api.md. `build.rs` turns each into
//! an `allow-<name>` permission, `capabilities/default.json` grants them, and a test checks the
//! three lists (this one, the capability, the invoke handler) agree.

/// Every command the web view may call, in the order of docs/app-api.md.
pub const ALL: &[&str] = &[
    "home",
    "reference",
    "enroll",
    "start_patrol",
    "last_shift",
    "stop_patrol",
    "live_patrol",
    "record_violation",
    "add_violation_details",
    "submit_report",
    "add_photo",
    "save_draft",
    "drafts",
    "discard_draft",
    "post_duty",
    "post_arrive",
    "post_leave",
    "post_suggestion",
    "history",
    "supplement",
    "sync_now",
    "sync_status",
    "sync_queue",
    "export_bundle",
    "map_pack",
    "map_tile",
    "get_settings",
    "set_settings",
    "start_position_source",
    "dispatches",
    "dispatch_step",
    "scene_suggestion",
];

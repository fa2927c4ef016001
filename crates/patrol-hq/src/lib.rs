//! HQ: an axum service that enrols devices, receives their ledgers exactly once, serves reference
//! data, and derives the command centre's figures from the stored ledger. A library with a thin
//! binary (`main.rs`), so tests run the real router on `127.0.0.1:0`.

pub mod storage;

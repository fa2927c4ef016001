//! SQLite storage (being written).

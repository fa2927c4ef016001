//! The city's map pack: one MBTiles file of raster tiles (PNG, JPEG or WebP) that HQ serves to
//! the command-centre page and hands to devices as reference data, so the officer's map shows
//! streets with no network at run time.
//!
//! - [`tiles`]: web-mercator (XYZ) tile math, pure.
//! - [`MbTiles`]: a read-only pack (MBTiles is a SQLite database; rusqlite is already in the
//!   tree on both sides).
//! - [`LocalPack`]: the device's copy: a download resumed byte for byte across syncs, checked
//!   against the SHA-256 HQ announced, then switched in atomically. A pack that fails its hash
//!   never replaces the one in use.
//! - `render` (feature): a small pack drawn from the city's own grid with tiny-skia, so the
//!   demo city has a real pack and the whole code path runs in the tests.
//!
//! How a city makes a pack from its own GIS or OpenStreetMap data: docs/map-pack.md.

mod error;
pub mod local;
pub mod mbtiles;
#[cfg(feature = "render")]
pub mod render;
pub mod tiles;

pub use error::{Error, Result};
pub use local::LocalPack;
pub use mbtiles::{MbTiles, PackInfo};

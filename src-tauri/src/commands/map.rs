//! The city's map pack on the device: what the map draws under its overlays. The sync engine
//! downloads it (patrol_sync::map_pack); these commands only read it, offline.

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use patrol_map::{LocalPack, MbTiles};
use serde::Serialize;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tauri::State;

/// The pack in use, opened once and reopened when a sync switches in a new one.
#[derive(Debug)]
pub struct MapCache {
    local: LocalPack,
    open: Mutex<Option<(String, Arc<MbTiles>)>>,
}

impl MapCache {
    /// The cache for the device whose store is in `store_dir`.
    pub fn new(store_dir: &Path) -> MapCache {
        MapCache {
            local: patrol_sync::map_pack::local_pack(store_dir),
            open: Mutex::new(None),
        }
    }

    fn pack(&self) -> CmdResult<Option<Arc<MbTiles>>> {
        let Some((r, path)) = self.local.ready().map_err(storage)? else {
            return Ok(None);
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((sha, pack)) = open.as_ref()
            && *sha == r.sha256
        {
            return Ok(Some(pack.clone()));
        }
        let pack = Arc::new(MbTiles::open(&path).map_err(storage)?);
        *open = Some((r.sha256, pack.clone()));
        Ok(Some(pack))
    }

    /// What `map_pack` answers.
    pub fn view(&self) -> CmdResult<MapPackView> {
        let ready = self.local.ready().map_err(storage)?.map(|(r, _)| r);
        let downloading = self
            .local
            .downloading()
            .map_err(storage)?
            .filter(|(r, _)| ready.as_ref().is_none_or(|x| x.sha256 != r.sha256))
            .map(|(r, have)| MapPackDownload {
                name: r.name,
                have,
                total: r.bytes,
            });
        Ok(MapPackView {
            ready: ready.map(|r| MapPack {
                name: r.name,
                format: r.format,
                minzoom: r.minzoom,
                maxzoom: r.maxzoom,
                bounds: r.bounds,
                sha256: r.sha256,
                bytes: r.bytes,
            }),
            downloading,
        })
    }

    /// The tile's bytes; empty when the pack has none there or there is no pack.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> CmdResult<Vec<u8>> {
        let Some(pack) = self.pack()? else {
            return Ok(Vec::new());
        };
        Ok(pack.tile(z, x, y).map_err(storage)?.unwrap_or_default())
    }
}

fn storage(e: patrol_map::Error) -> CommandError {
    CommandError::new("storage", e.to_string())
}

/// The city's map pack on this device.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MapPack {
    pub name: String,
    /// `png`, `jpg` or `webp`.
    pub format: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees, when the pack says.
    pub bounds: Option<[f64; 4]>,
    pub sha256: String,
    pub bytes: u64,
}

/// A pack HQ offers that is still downloading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MapPackDownload {
    pub name: String,
    pub have: u64,
    pub total: u64,
}

/// What `map_pack` answers: the pack the map draws, and a newer one on its way.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct MapPackView {
    /// The pack on the device, checked against its hash; `null` draws the schematic.
    pub ready: Option<MapPack>,
    /// A pack HQ offers that is still downloading (bytes so far of the total).
    #[ts(inline)]
    pub downloading: Option<MapPackDownload>,
}

/// The map pack on the device and any download in progress. Answers offline.
#[tauri::command(rename_all = "snake_case")]
pub fn map_pack(state: State<'_, AppState>) -> CmdResult<MapPackView> {
    state.map.view()
}

/// One tile of the pack (XYZ, row 0 at the north) as raw bytes, which the web view receives as
/// an `ArrayBuffer`; empty when there is no tile there. Answers offline.
#[tauri::command(rename_all = "snake_case")]
pub fn map_tile(
    state: State<'_, AppState>,
    z: u8,
    x: u32,
    y: u32,
) -> CmdResult<tauri::ipc::Response> {
    Ok(tauri::ipc::Response::new(state.map.tile(z, x, y)?))
}

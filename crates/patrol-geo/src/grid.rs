//! Which patrol grid cell (巡区网格) a point lies in. Every record is stamped with the cell it was
//! captured in, so the lookup must be deterministic: the same point and the same reference grid
//! always give the same cell, on either side of sync.
//!
//! A point on a cell's boundary belongs to that cell; on an edge or vertex shared by several
//! cells, the **first cell in the input order** wins. Cells whose ring has fewer than three
//! distinct vertices never match (HQ's `City::validate` rejects them anyway). The index never
//! guesses a nearest cell: outside every polygon the answer is `None`.

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Coord, LineString, Polygon, Rect};
use patrol_model::{CellId, GridCell, LatLon};

/// The reference grid prepared for point lookups: polygons plus a bounding box per cell.
///
/// Lookups scan the cells in input order and run the exact point-in-polygon test only where the
/// bounding box contains the point; for a city's few hundred cells that is microseconds.
#[derive(Debug, Clone, Default)]
pub struct GridIndex {
    cells: Vec<IndexedCell>,
}

#[derive(Debug, Clone)]
struct IndexedCell {
    id: CellId,
    bounds: Rect<f64>,
    polygon: Polygon<f64>,
}

impl GridIndex {
    /// Prepare `cells` for lookups, keeping their order (it decides ties on shared edges).
    /// A ring may be given closed or open; degenerate rings are left out.
    pub fn new(cells: &[GridCell]) -> Self {
        let cells = cells
            .iter()
            .filter_map(|cell| {
                let mut ring: Vec<Coord<f64>> = cell.ring.iter().map(|p| coord(*p)).collect();
                ring.dedup();
                if ring.len() > 1 && ring.first() == ring.last() {
                    ring.pop();
                }
                if ring.len() < 3 {
                    return None;
                }
                let polygon = Polygon::new(LineString::new(ring), vec![]);
                let bounds = bounding_rect(polygon.exterior())?;
                Some(IndexedCell {
                    id: cell.id.clone(),
                    bounds,
                    polygon,
                })
            })
            .collect();
        Self { cells }
    }

    /// The cell containing `p` (boundary included; first cell in input order on shared edges),
    /// or `None` when `p` is outside every cell.
    pub fn cell_at(&self, p: LatLon) -> Option<&CellId> {
        let c = coord(p);
        self.cells
            .iter()
            .filter(|cell| in_rect(&cell.bounds, c))
            .find(|cell| cell.polygon.coordinate_position(&c) != CoordPos::Outside)
            .map(|cell| &cell.id)
    }

    /// Number of usable cells (degenerate rings excluded).
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

fn coord(p: LatLon) -> Coord<f64> {
    Coord { x: p.lon, y: p.lat }
}

fn bounding_rect(ring: &LineString<f64>) -> Option<Rect<f64>> {
    let first = *ring.0.first()?;
    let (min, max) = ring.0.iter().fold((first, first), |(lo, hi), c| {
        (
            Coord {
                x: lo.x.min(c.x),
                y: lo.y.min(c.y),
            },
            Coord {
                x: hi.x.max(c.x),
                y: hi.y.max(c.y),
            },
        )
    });
    Some(Rect::new(min, max))
}

/// Closed-box test: a point on the box's edge passes, so boundary points reach the exact test.
fn in_rect(r: &Rect<f64>, c: Coord<f64>) -> bool {
    let (lo, hi) = (r.min(), r.max());
    lo.x <= c.x && c.x <= hi.x && lo.y <= c.y && c.y <= hi.y
}

#[cfg(test)]
mod tests;

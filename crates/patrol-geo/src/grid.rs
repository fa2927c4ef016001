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

/// The reference grid prepared for point lookups: polygons plus a bounding box per cell, and a
/// coarse raster of buckets over the whole grid, each listing (in input order) the cells whose
/// box reaches into it.
///
/// A lookup finds the point's bucket, then runs the exact point-in-polygon test on that
/// bucket's few candidates, in input order: the same answer as scanning every cell, without
/// scanning them. HQ looks up the cell of every fix it rolls up (43,200 for a 12-hour shift).
#[derive(Debug, Clone, Default)]
pub struct GridIndex {
    cells: Vec<IndexedCell>,
    buckets: Buckets,
}

/// A `nx × ny` raster over the grid's bounds; `cells[y * nx + x]` are cell indices, ascending.
#[derive(Debug, Clone, Default)]
struct Buckets {
    min: Coord<f64>,
    size: Coord<f64>,
    nx: usize,
    ny: usize,
    cells: Vec<Vec<u32>>,
}

impl Buckets {
    fn new(cells: &[IndexedCell]) -> Buckets {
        let Some(first) = cells.first() else {
            return Buckets::default();
        };
        let (mut lo, mut hi) = (first.bounds.min(), first.bounds.max());
        for c in cells {
            lo = Coord {
                x: lo.x.min(c.bounds.min().x),
                y: lo.y.min(c.bounds.min().y),
            };
            hi = Coord {
                x: hi.x.max(c.bounds.max().x),
                y: hi.y.max(c.bounds.max().y),
            };
        }
        // About four buckets per cell, at most 256 a side.
        let side = ((cells.len() as f64 * 4.0).sqrt().ceil() as usize).clamp(1, 256);
        let size = Coord {
            x: ((hi.x - lo.x) / side as f64).max(f64::MIN_POSITIVE),
            y: ((hi.y - lo.y) / side as f64).max(f64::MIN_POSITIVE),
        };
        let mut b = Buckets {
            min: lo,
            size,
            nx: side,
            ny: side,
            cells: vec![Vec::new(); side * side],
        };
        for (i, c) in cells.iter().enumerate() {
            let (x0, y0) = b.slot(c.bounds.min());
            let (x1, y1) = b.slot(c.bounds.max());
            for y in y0..=y1 {
                for x in x0..=x1 {
                    b.cells[y * b.nx + x].push(i as u32);
                }
            }
        }
        b
    }

    /// The bucket of `c`, clamped to the raster (a point outside every box finds no cell there).
    fn slot(&self, c: Coord<f64>) -> (usize, usize) {
        let f = |v: f64, min: f64, size: f64, n: usize| {
            let i = ((v - min) / size).floor();
            if i.is_nan() || i < 0.0 {
                0
            } else {
                (i as usize).min(n - 1)
            }
        };
        (
            f(c.x, self.min.x, self.size.x, self.nx),
            f(c.y, self.min.y, self.size.y, self.ny),
        )
    }

    fn candidates(&self, c: Coord<f64>) -> &[u32] {
        if self.cells.is_empty() {
            return &[];
        }
        let (x, y) = self.slot(c);
        &self.cells[y * self.nx + x]
    }
}

#[derive(Debug, Clone)]
struct IndexedCell {
    id: CellId,
    bounds: Rect<f64>,
    polygon: Polygon<f64>,
    /// The ring is its own bounding rectangle (four axis-aligned corners, the usual patrol-grid
    /// cell): a point is in it exactly when it is in the bounds, boundary included, so the
    /// polygon test is skipped (a city's day asks this for every fix).
    rect: bool,
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
                let rect = is_rect(&polygon, &bounds);
                Some(IndexedCell {
                    id: cell.id.clone(),
                    bounds,
                    polygon,
                    rect,
                })
            })
            .collect::<Vec<_>>();
        let buckets = Buckets::new(&cells);
        Self { cells, buckets }
    }

    /// The cell containing `p` (boundary included; first cell in input order on shared edges),
    /// or `None` when `p` is outside every cell.
    pub fn cell_at(&self, p: LatLon) -> Option<&CellId> {
        let c = coord(p);
        self.buckets
            .candidates(c)
            .iter()
            .map(|&i| &self.cells[i as usize])
            .filter(|cell| in_rect(&cell.bounds, c))
            .find(|cell| cell.rect || cell.polygon.coordinate_position(&c) != CoordPos::Outside)
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

/// Whether `polygon`'s ring (closing point dropped, no repeats) is exactly `bounds`: four
/// corners, each edge axis-aligned, each corner one of the rectangle's.
fn is_rect(polygon: &Polygon<f64>, bounds: &Rect<f64>) -> bool {
    let ring = &polygon.exterior().0;
    let corners: &[Coord<f64>] = match ring.as_slice() {
        [a, b, c, d, e] if a == e => &[*a, *b, *c, *d],
        [a, b, c, d] => &[*a, *b, *c, *d],
        _ => return false,
    };
    let (lo, hi) = (bounds.min(), bounds.max());
    let corner = |p: &Coord<f64>| (p.x == lo.x || p.x == hi.x) && (p.y == lo.y || p.y == hi.y);
    let edges_aligned = (0..4).all(|i| {
        let (p, q) = (corners[i], corners[(i + 1) % 4]);
        (p.x == q.x) != (p.y == q.y)
    });
    lo.x < hi.x && lo.y < hi.y && corners.iter().all(corner) && edges_aligned
}

/// Closed-box test: a point on the box's edge passes, so boundary points reach the exact test.
fn in_rect(r: &Rect<f64>, c: Coord<f64>) -> bool {
    let (lo, hi) = (r.min(), r.max());
    lo.x <= c.x && c.x <= hi.x && lo.y <= c.y && c.y <= hi.y
}

#[cfg(test)]
mod tests;

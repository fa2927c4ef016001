use super::*;

fn ll(lat: f64, lon: f64) -> LatLon {
    LatLon { lat, lon }
}

/// A lat/lon box as a cell, ring open (not repeating the first vertex).
fn square(id: &str, south: f64, west: f64, north: f64, east: f64) -> GridCell {
    GridCell {
        id: CellId::from(id),
        name: String::new(),
        ring: vec![
            ll(south, west),
            ll(south, east),
            ll(north, east),
            ll(north, west),
        ],
    }
}

/// Two cells side by side sharing the meridian 111.69, and an L-shaped cell to the north whose
/// bounding box covers a notch that is not part of it.
fn changde() -> Vec<GridCell> {
    let l_shape = GridCell {
        id: CellId::from("WL-L"),
        name: "L".into(),
        // closed ring this time
        ring: vec![
            ll(29.04, 111.68),
            ll(29.04, 111.70),
            ll(29.045, 111.70),
            ll(29.045, 111.69),
            ll(29.05, 111.69),
            ll(29.05, 111.68),
            ll(29.04, 111.68),
        ],
    };
    vec![
        square("WL-W", 29.02, 111.68, 29.04, 111.69),
        square("WL-E", 29.02, 111.69, 29.04, 111.70),
        l_shape,
    ]
}

fn check(cells: &[GridCell], p: LatLon, expected: Option<&str>) {
    let index = GridIndex::new(cells);
    assert_eq!(
        index.cell_at(p).map(CellId::as_str),
        expected,
        "point {p:?}"
    );
}

#[test]
fn cell_lookup_table() {
    let grid = changde();
    check(&grid, ll(29.03, 111.685), Some("WL-W"));
    check(&grid, ll(29.03, 111.695), Some("WL-E"));
    check(&grid, ll(29.042, 111.695), Some("WL-L"));
    check(&grid, ll(29.048, 111.685), Some("WL-L"));
    // Inside the L's bounding box but in its notch: the polygon decides, not the box.
    check(&grid, ll(29.048, 111.695), None);
    // Outside everything.
    check(&grid, ll(29.01, 111.69), None);
    check(&grid, ll(28.0, 110.0), None);
    check(&grid, ll(29.03, 111.71), None);
    // Outer boundary belongs to its cell.
    check(&grid, ll(29.02, 111.685), Some("WL-W"));
    check(&grid, ll(29.03, 111.70), Some("WL-E"));
}

#[test]
fn shared_edges_go_to_the_first_cell_in_input_order() {
    let grid = changde();
    let edge = ll(29.03, 111.69);
    let corner = ll(29.04, 111.69); // shared by all three cells
    check(&grid, edge, Some("WL-W"));
    check(&grid, corner, Some("WL-W"));
    let reversed: Vec<GridCell> = grid.iter().rev().cloned().collect();
    check(&reversed, edge, Some("WL-E"));
    check(&reversed, corner, Some("WL-L"));
    // The same grid answers the same way every time.
    let index = GridIndex::new(&grid);
    assert!((0..100).all(|_| index.cell_at(edge).map(CellId::as_str) == Some("WL-W")));
}

#[test]
fn degenerate_cells_are_left_out() {
    let mut sliver = square("SLIVER", 29.02, 111.68, 29.04, 111.69);
    sliver.ring = vec![ll(29.02, 111.68), ll(29.04, 111.69), ll(29.02, 111.68)];
    let mut grid = vec![sliver];
    grid.extend(changde());
    let index = GridIndex::new(&grid);
    assert_eq!(index.len(), 3);
    check(&grid, ll(29.03, 111.685), Some("WL-W"));
    assert!(GridIndex::new(&[]).is_empty());
    assert_eq!(GridIndex::new(&[]).cell_at(ll(29.03, 111.685)), None);
}

/// Every cell in input order, no buckets: what `cell_at` must always agree with.
fn scan(index: &GridIndex, p: LatLon) -> Option<&CellId> {
    let c = coord(p);
    index
        .cells
        .iter()
        .filter(|cell| in_rect(&cell.bounds, c))
        .find(|cell| cell.polygon.coordinate_position(&c) != CoordPos::Outside)
        .map(|cell| &cell.id)
}

/// The bucketed lookup gives the scan's answer everywhere: inside, outside, on every shared
/// edge and vertex, with overlapping cells (the first wins) and an L-shaped one.
#[test]
fn buckets_answer_exactly_as_a_full_scan() {
    let mut grid = changde();
    // A 10 × 8 block of 0.005° squares, then one overlapping big cell listed after them.
    for i in 0..10 {
        for j in 0..8 {
            let (s, w) = (29.05 + j as f64 * 0.005, 111.65 + i as f64 * 0.005);
            grid.push(square(&format!("B-{i}-{j}"), s, w, s + 0.005, w + 0.005));
        }
    }
    grid.push(square("BIG", 29.06, 111.66, 29.08, 111.69));
    let index = GridIndex::new(&grid);
    let mut points = 0;
    // A lattice at a quarter of the cell size hits every edge and vertex exactly.
    for a in 0..=160 {
        for b in 0..=200 {
            let p = ll(29.01 + a as f64 * 0.00025, 111.64 + b as f64 * 0.00025);
            assert_eq!(index.cell_at(p), scan(&index, p), "point {p:?}");
            points += 1;
        }
    }
    assert!(points > 30_000);
    assert_eq!(index.cell_at(ll(0.0, 0.0)), None);
    assert_eq!(
        index.cell_at(ll(f64::NAN, 111.66)),
        scan(&index, ll(f64::NAN, 111.66))
    );
    assert_eq!(GridIndex::new(&[]).cell_at(ll(29.0, 111.0)), None);
}

/// Axis-aligned rectangles skip the polygon test (`rect`); a lattice of points through and
/// around every cell, their edges and corners included, finds the same cell as the polygon
/// test everywhere, and a cell that is not its own bounding box (the L, a diamond, a
/// quadrilateral with a slanted side) is never taken for a rectangle.
#[test]
fn rectangles_answer_as_their_polygons() {
    let mut cells = changde();
    cells.push(GridCell {
        id: CellId::from("DIAMOND"),
        name: String::new(),
        ring: vec![
            ll(29.06, 111.69),
            ll(29.065, 111.695),
            ll(29.07, 111.69),
            ll(29.065, 111.685),
        ],
    });
    cells.push(GridCell {
        id: CellId::from("SLANT"),
        name: String::new(),
        ring: vec![
            ll(29.00, 111.68),
            ll(29.00, 111.70),
            ll(29.01, 111.70),
            ll(29.015, 111.68),
        ],
    });
    let index = GridIndex::new(&cells);
    let rects: Vec<&str> = index
        .cells
        .iter()
        .filter(|c| c.rect)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(rects, ["WL-W", "WL-E"]);
    let slow = |p: LatLon| {
        let c = coord(p);
        index
            .buckets
            .candidates(c)
            .iter()
            .map(|&i| &index.cells[i as usize])
            .filter(|cell| in_rect(&cell.bounds, c))
            .find(|cell| cell.polygon.coordinate_position(&c) != CoordPos::Outside)
            .map(|cell| cell.id.as_str())
    };
    let mut checked = 0;
    for i in 0..=160 {
        for j in 0..=80 {
            let p = ll(
                28.995 + f64::from(i) * 0.0005,
                111.675 + f64::from(j) * 0.0005,
            );
            assert_eq!(index.cell_at(p).map(|c| c.as_str()), slow(p), "at {p:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 161 * 81);
}

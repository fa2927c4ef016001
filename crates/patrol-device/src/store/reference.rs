//! Reference data on the device: the city (grid, posts, groups) as last received from HQ, or
//! imported by hand at a station kiosk. Replaced whole; the grid index is rebuilt on change.

use super::Store;
use crate::Result;
use patrol_model::City;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Replace the reference data. `cursor` is HQ's position for the next incremental download.
    pub fn set_city(&mut self, city: &City, cursor: Option<&str>) -> Result<()> {
        city.validate()?;
        self.conn.execute(
            "INSERT INTO reference (id, city, cursor) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET city = excluded.city, cursor = excluded.cursor",
            params![
                serde_json::to_string(city).expect("city serializes"),
                cursor
            ],
        )?;
        self.grid = Some(patrol_geo::grid::GridIndex::new(&city.cells));
        Ok(())
    }

    pub fn city(&self) -> Result<Option<City>> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT city FROM reference WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|source| {
                patrol_model::DecodeError::Json {
                    kind: "reference",
                    source,
                }
                .into()
            })
        })
        .transpose()
    }

    pub fn reference_cursor(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT cursor FROM reference WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    pub(super) fn load_grid(&self) -> Result<Option<patrol_geo::grid::GridIndex>> {
        Ok(self
            .city()?
            .map(|c| patrol_geo::grid::GridIndex::new(&c.cells)))
    }

    /// The city's time zone, or Asia/Shanghai before any reference data arrived.
    pub fn timezone(&self) -> Result<chrono_tz::Tz> {
        Ok(self.city()?.map_or(chrono_tz::Asia::Shanghai, |c| c.tz()))
    }
}

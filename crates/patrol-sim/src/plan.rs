//! The plan of one simulated day, decided purely (no store, no clock, no HTTP): who goes out
//! when, in what mode, with which officers and volunteers, and which reports and violations fall
//! on whose deployment. `day.rs` lives through it; the tests check its counts against the
//! story's per-day figures (906 officer-trips, 167 vehicle-trips, 886 volunteers).
//!
//! How the day reaches the story's numbers, counted as HQ counts them
//! (`patrol_hq::projections::daily_stats`):
//!
//! - **Posts** (~300 officer-trips): 150 traffic officers across the city's posts, spread evenly
//!   (7 or 8 per post for 21 posts). Each post has one device; in each duty window its officers
//!   check in together, so the one check-in names the whole crew and counts each officer once
//!   per window (a traffic officer holding a post morning and evening is two person-trips).
//! - **Patrol groups** (~540 officer-trips, all the vehicle-trips): every group is out in each of
//!   six four-hour slots around the clock (sorties of about three hours, staggered by group so
//!   handovers do not coincide). Car and motorcycle groups keep their vehicle; foot groups walk
//!   by day and take a car at night ("白天见警察，晚上见警灯"), and some ride e-bikes at midday.
//!   With the demo city's 12 car, 4 motorcycle and 21 foot groups that is 167 vehicle-trips.
//! - **Community patrols** (~60 officer-trips, most volunteers): 20 station-led lane patrols
//!   (社区小巷巡逻) in the foot groups' cells, three a day each, one station officer with red vests, community cadres, grid
//!   workers, property staff and security guards. The groups' foot sorties carry the 186 patrol
//!   team and some guards (警保联勤).
//! - **Reports and violations** are drawn per day from Poisson distributions at the story's
//!   cumulative figures divided by its ~97 days; plus one lost elder with a wristband and one
//!   theft (value ~5,000 yuan, suspect caught) a day, as in the story.

use chrono::NaiveDate;
use patrol_model::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// Traffic officers holding the posts in both peak windows (交警各大队150名警力).
pub const POST_OFFICERS: u32 = 150;
/// Station-led community patrol teams by default (not groups of the city: the groups are the 37).
pub const COMMUNITY_TEAMS: usize = 20;
/// Start hours of the groups' sorties: six slots around the clock.
const SLOTS: [u32; 6] = [0, 4, 8, 12, 16, 20];
/// Community patrols: (hour, minute) of each of a team's three walks, 90 minutes each.
const COMMUNITY_WALKS: [(u32, u32); 3] = [(8, 30), (14, 30), (19, 0)];

/// Volunteers a day by category, the story's figures (of 886). The first share goes with the
/// groups' foot sorties, the rest with the community patrols.
const VOLUNTEERS: &[(VolunteerCategory, u32, u32)] = &[
    // (category, per day, of which with the groups' foot sorties)
    (VolunteerCategory::PatrolTeam, 37, 37),
    (VolunteerCategory::RedVest, 132, 0),
    (VolunteerCategory::CommunityCadre, 213, 0),
    (VolunteerCategory::GridWorker, 62, 0),
    (VolunteerCategory::PropertyStaff, 151, 0),
    (VolunteerCategory::SecurityGuard, 291, 110),
];

const SURNAMES: &[&str] = &[
    "张", "李", "王", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
];

/// Who a deployment belongs to: each is one device of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// The city's patrol group at this index.
    Group(usize),
    /// A community patrol team (0..[`COMMUNITY_TEAMS`]).
    Community(usize),
    /// The city's post at this index.
    Post(usize),
}

/// What a deployment does.
#[derive(Debug, Clone, PartialEq)]
pub enum Duty {
    Patrol {
        mode: PatrolMode,
        group: GroupId,
        officers: Vec<String>,
        volunteers: BTreeMap<VolunteerCategory, u32>,
    },
    Post {
        post: usize,
        crew: PostCrew,
    },
}

/// Something that happens on a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Violation(ViolationType),
    /// An elder wandering, identified by the wristband (手环) with the family's contact.
    LostElder,
    MedicalEscort,
    Dispute,
    /// A theft reported, video reviewed, suspect caught (~5,000 yuan).
    Theft,
    Accident,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub unit: Unit,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duty: Duty,
    /// Events in time order, each within `[start_ms, end_ms)`.
    pub events: Vec<(i64, Event)>,
    /// The night sortie of the last simulated day: still out when the simulation stops, so the
    /// live map has units on it.
    pub stays_open: bool,
}

/// The figures the plan yields, counted as HQ counts them (every deployment complete); the
/// tests hold these to the story and HQ's answers to these.
#[cfg(test)]
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Counts {
    pub officer_trips: u32,
    pub vehicle_trips: u32,
    pub volunteers: BTreeMap<VolunteerCategory, u32>,
    pub volunteers_total: u32,
    pub violations: BTreeMap<ViolationType, u32>,
    pub lost_persons: u32,
    pub thefts: u32,
}

#[cfg(test)]
pub fn counts(plan: &[Deployment]) -> Counts {
    let mut c = Counts::default();
    for d in plan {
        let (officers, volunteers) = match &d.duty {
            Duty::Patrol {
                mode,
                officers,
                volunteers,
                ..
            } => {
                if matches!(
                    mode,
                    PatrolMode::Car | PatrolMode::Motorcycle | PatrolMode::EBike
                ) {
                    c.vehicle_trips += 1;
                }
                (officers.len(), volunteers)
            }
            Duty::Post { crew, .. } => (crew.officers.len(), &crew.volunteers),
        };
        c.officer_trips += u32::try_from(officers.max(1)).unwrap_or(u32::MAX);
        for (&k, &n) in volunteers {
            *c.volunteers.entry(k).or_default() += n;
            c.volunteers_total += n;
        }
        for (_, e) in &d.events {
            match e {
                Event::Violation(v) => *c.violations.entry(*v).or_default() += 1,
                Event::LostElder => c.lost_persons += 1,
                Event::Theft => c.thefts += 1,
                _ => {}
            }
        }
    }
    c
}

/// What to plan: the first `groups` groups and `posts` posts of the city.
#[derive(Debug, Clone, Copy)]
pub struct DayInput<'a> {
    pub city: &'a City,
    pub date: NaiveDate,
    pub groups: usize,
    pub posts: usize,
    /// Community patrol teams ([`COMMUNITY_TEAMS`] for the story's volunteers).
    pub communities: usize,
    pub seed: u64,
    /// The last day of the run: its night sorties stay open.
    pub last_day: bool,
}

pub fn local_ms(city: &City, date: NaiveDate, h: u32, m: u32) -> i64 {
    patrol_geo::duty::local_to_utc_ms(city.tz(), date.and_hms_opt(h, m, 0).expect("valid time"))
}

fn officers(rng: &mut StdRng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            format!(
                "{}警官{:03}",
                SURNAMES[rng.random_range(0..SURNAMES.len())],
                rng.random_range(1..1000)
            )
        })
        .collect()
}

/// A Poisson draw (Knuth's method; the rates here are at most a few dozen).
fn poisson(rng: &mut StdRng, lambda: f64) -> u32 {
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// `total` dealt over `n` slots as evenly as possible, the remainder to random slots.
fn deal(rng: &mut StdRng, total: u32, n: usize) -> Vec<u32> {
    let n32 = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    let mut out = vec![total / n32; n.max(1)];
    for _ in 0..total % n32 {
        let i = rng.random_range(0..out.len());
        out[i] += 1;
    }
    out
}

/// The plan of one day: every deployment of every unit, in no particular order.
pub fn plan_day(input: DayInput<'_>) -> Vec<Deployment> {
    let DayInput {
        city, date, seed, ..
    } = input;
    // One rng per day, so days differ and a day is the same whatever came before it.
    let mut rng = StdRng::seed_from_u64(seed ^ u64::from(date.to_epoch_days().unsigned_abs()));
    let mut plan = Vec::new();
    let day_ms = |h: u32, m: u32| local_ms(city, date, h, m);

    // Patrol groups: six sorties around the clock.
    for (gi, group) in city.groups.iter().take(input.groups).enumerate() {
        let home = group.mode.unwrap_or(PatrolMode::Foot);
        let stagger = i64::try_from(gi % 4).unwrap_or(0) * 15 * 60_000;
        for (si, &h) in SLOTS.iter().enumerate() {
            let night = !(8..20).contains(&h);
            let mode = match home {
                PatrolMode::Foot | PatrolMode::Bicycle if night => PatrolMode::Car,
                // Every other foot group rides e-bikes over the midday slot (8 of the 21).
                PatrolMode::Foot | PatrolMode::Bicycle if h == 12 && gi % 5 < 2 => {
                    PatrolMode::EBike
                }
                m => m,
            };
            let crew = match mode {
                PatrolMode::Car if night => 3,
                _ => 2,
            };
            let start = day_ms(h, 0) + stagger + rng.random_range(0..600_000);
            // Back before midnight, so a sortie and all it records count on its own day.
            let end =
                (start + 3 * 3_600_000 + rng.random_range(-600_000..600_000)).min(day_ms(23, 59));
            plan.push(Deployment {
                unit: Unit::Group(gi),
                start_ms: start,
                end_ms: end,
                duty: Duty::Patrol {
                    mode,
                    group: group.id.clone(),
                    officers: officers(&mut rng, crew),
                    volunteers: BTreeMap::new(),
                },
                events: vec![],
                stays_open: input.last_day && si == SLOTS.len() - 1,
            });
        }
    }
    // Community patrols: a station officer and the neighbourhood's volunteers, walking the
    // cells of one of the city's foot groups and recorded under that group (HQ flags a patrol
    // whose group the city does not know).
    let foot_groups: Vec<&PatrolGroup> = city
        .groups
        .iter()
        .filter(|g| matches!(g.mode, None | Some(PatrolMode::Foot)))
        .collect();
    for team in 0..input.communities {
        for &(h, m) in &COMMUNITY_WALKS {
            let start = day_ms(h, m) + rng.random_range(0..900_000);
            plan.push(Deployment {
                unit: Unit::Community(team),
                start_ms: start,
                end_ms: start + 90 * 60_000,
                duty: Duty::Patrol {
                    mode: PatrolMode::Foot,
                    group: foot_groups
                        .get(team % foot_groups.len().max(1))
                        .map_or_else(|| GroupId(format!("SQ{:02}", team + 1)), |g| g.id.clone()),
                    officers: officers(&mut rng, 1),
                    volunteers: BTreeMap::new(),
                },
                events: vec![],
                stays_open: false,
            });
        }
    }
    // Volunteers: each category's day (±5 %) dealt over the foot sorties that carry it.
    let foot = |d: &Deployment, community: bool| {
        matches!(
            d.duty,
            Duty::Patrol {
                mode: PatrolMode::Foot,
                ..
            }
        ) && matches!(d.unit, Unit::Community(_)) == community
    };
    for &(category, per_day, with_groups) in VOLUNTEERS {
        for (community, share) in [(false, with_groups), (true, per_day - with_groups)] {
            let idx: Vec<usize> = (0..plan.len())
                .filter(|&i| foot(&plan[i], community))
                .collect();
            if share == 0 || idx.is_empty() {
                continue;
            }
            let share = (f64::from(share) * rng.random_range(0.95..1.05)).round() as u32;
            for (&i, n) in idx.iter().zip(deal(&mut rng, share, idx.len())) {
                if let Duty::Patrol { volunteers, .. } = &mut plan[i].duty
                    && n > 0
                {
                    *volunteers.entry(category).or_default() += n;
                }
            }
        }
    }
    // Posts: 150 officers spread over the posts, one check-in per window with the whole crew.
    // Dealt over all the city's posts, so staffing fewer posts keeps each post's crew.
    let per_post = deal(&mut rng, POST_OFFICERS, city.posts.len());
    for (pi, post) in city.posts.iter().take(input.posts).enumerate() {
        let crew = officers(&mut rng, per_post[pi] as usize);
        for w in &post.duty_windows {
            let (open, close) = (
                day_ms(
                    chrono::Timelike::hour(&w.start),
                    chrono::Timelike::minute(&w.start),
                ),
                day_ms(
                    chrono::Timelike::hour(&w.end),
                    chrono::Timelike::minute(&w.end),
                ),
            );
            plan.push(Deployment {
                unit: Unit::Post(pi),
                start_ms: open + rng.random_range(-600_000..300_000),
                end_ms: close + rng.random_range(0..600_000),
                duty: Duty::Post {
                    post: pi,
                    crew: PostCrew {
                        officers: crew.clone(),
                        volunteers: BTreeMap::new(),
                    },
                },
                events: vec![],
                stays_open: false,
            });
        }
    }
    place_events(&mut plan, &mut rng, day_ms);
    for d in &mut plan {
        d.events.sort_by_key(|e| e.0);
    }
    plan
}

/// Which deployments an event may fall on.
#[derive(Debug, Clone, Copy)]
enum On {
    Posts,
    /// Group patrols in these modes.
    Patrols(&'static [PatrolMode]),
    /// Foot patrols, community ones included.
    Foot,
}

/// Per day: (event, rate, where). Rates are the story's cumulative figures over its ~97 days;
/// checks at posts (逢车必查) find most helmet, umbrella and drunk-driving cases, patrols between
/// the peaks find the illegal parking (平峰巡逻).
const DAILY: &[(Event, f64, On)] = &[
    (Event::Violation(ViolationType::NoHelmet), 18.0, On::Posts),
    (
        Event::Violation(ViolationType::NoHelmet),
        4.0,
        On::Patrols(&[PatrolMode::Motorcycle, PatrolMode::EBike]),
    ),
    (
        Event::Violation(ViolationType::UmbrellaRig),
        16.0,
        On::Posts,
    ),
    (
        Event::Violation(ViolationType::DrunkDriving),
        0.4,
        On::Posts,
    ),
    (
        Event::Violation(ViolationType::OtherTraffic),
        2.0,
        On::Posts,
    ),
    (Event::Violation(ViolationType::RedLight), 1.0, On::Posts),
    (
        Event::Violation(ViolationType::IllegalPassenger),
        1.0,
        On::Posts,
    ),
    (Event::Violation(ViolationType::Jaywalking), 0.5, On::Foot),
    (
        Event::Violation(ViolationType::IllegalParking),
        27.0,
        On::Patrols(&[
            PatrolMode::Car,
            PatrolMode::Motorcycle,
            PatrolMode::EBike,
            PatrolMode::Foot,
        ]),
    ),
    // The lost elder (one a day) already counts as an assistance case; escorts keep the rest
    // of the story's ~0.6 a day near its order.
    (Event::MedicalEscort, 0.3, On::Patrols(&[PatrolMode::Car])),
    (Event::Dispute, 0.2, On::Foot),
    (
        Event::Accident,
        1.0,
        On::Patrols(&[PatrolMode::Motorcycle, PatrolMode::Car]),
    ),
];

fn place_events(plan: &mut [Deployment], rng: &mut StdRng, day_ms: impl Fn(u32, u32) -> i64) {
    let eligible = |d: &Deployment, on: On| match (&d.duty, on) {
        (Duty::Post { .. }, On::Posts) => true,
        (Duty::Patrol { mode, .. }, On::Patrols(modes)) => {
            matches!(d.unit, Unit::Group(_)) && modes.contains(mode)
        }
        (Duty::Patrol { mode, .. }, On::Foot) => *mode == PatrolMode::Foot,
        _ => false,
    };
    let put = |plan: &mut [Deployment], rng: &mut StdRng, idx: &[usize], e: Event, at| {
        if idx.is_empty() {
            return;
        }
        let d = &mut plan[idx[rng.random_range(0..idx.len())]];
        let t = match at {
            Some(t) => t,
            None => rng.random_range(d.start_ms..d.end_ms),
        };
        d.events.push((t.clamp(d.start_ms, d.end_ms - 1), e));
    };
    for &(event, rate, on) in DAILY {
        let idx: Vec<usize> = (0..plan.len())
            .filter(|&i| eligible(&plan[i], on))
            .collect();
        for _ in 0..poisson(rng, rate) {
            put(plan, rng, &idx, event, None);
        }
    }
    // The story's two scenes, once a day: an elder found on a morning patrol (8月30日上午), and a
    // theft reported at 12:50 whose suspect is caught at 14:30 by a car patrol out then.
    let covering = |plan: &[Deployment], t: i64, modes: &[PatrolMode]| -> Vec<usize> {
        (0..plan.len())
            .filter(|&i| {
                let d = &plan[i];
                matches!(&d.duty, Duty::Patrol { mode, .. } if modes.contains(mode))
                    && matches!(d.unit, Unit::Group(_))
                    && d.start_ms <= t
                    && t < d.end_ms
            })
            .collect()
    };
    let elder_at = day_ms(10, 0) + rng.random_range(-3_600_000..3_600_000);
    let idx = covering(plan, elder_at, &[PatrolMode::Foot, PatrolMode::Car]);
    put(plan, rng, &idx, Event::LostElder, Some(elder_at));
    let caught_at = day_ms(14, 30);
    let idx = covering(plan, caught_at, &[PatrolMode::Car]);
    put(plan, rng, &idx, Event::Theft, Some(caught_at));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city() -> City {
        let text = include_str!("../../../demo/changde-city.json");
        serde_json::from_str(text).expect("the demo city parses")
    }

    fn within(value: f64, target: f64, tolerance: f64) -> bool {
        (value - target).abs() <= target * tolerance
    }

    /// A day of the demo city lands within ±15 % of the story's per-day figures, and the
    /// volunteers within ±25 % of its proportions by category.
    #[test]
    fn a_day_at_the_storys_scale() {
        let city = city();
        for day in 0..5 {
            let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap() + chrono::Days::new(day);
            let plan = plan_day(DayInput {
                city: &city,
                date,
                groups: city.groups.len(),
                posts: city.posts.len(),
                communities: COMMUNITY_TEAMS,
                seed: 2026,
                last_day: false,
            });
            let c = counts(&plan);
            assert!(within(c.officer_trips.into(), 906.0, 0.15), "{c:?}");
            assert!(within(c.vehicle_trips.into(), 167.0, 0.15), "{c:?}");
            assert!(within(c.volunteers_total.into(), 886.0, 0.15), "{c:?}");
            for &(category, per_day, _) in VOLUNTEERS {
                let n = c.volunteers.get(&category).copied().unwrap_or(0);
                assert!(within(n.into(), per_day.into(), 0.25), "{category}: {n}");
            }
            assert_eq!((c.lost_persons, c.thefts), (1, 1));
            for d in &plan {
                assert!(d.start_ms < d.end_ms);
                assert!(
                    d.events
                        .iter()
                        .all(|e| (d.start_ms..d.end_ms).contains(&e.0))
                );
                assert!(!d.stays_open);
            }
        }
    }

    /// Over the story's ~97 days the reports and violations add up to its cumulative figures'
    /// order (20 days here, compared with the story's pace over 20 days).
    #[test]
    fn reports_and_violations_at_the_storys_pace() {
        let city = city();
        let mut total = Counts::default();
        let days = 20u32;
        for day in 0..days {
            let date = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap() + chrono::Days::new(day.into());
            let plan = plan_day(DayInput {
                city: &city,
                date,
                groups: city.groups.len(),
                posts: city.posts.len(),
                communities: COMMUNITY_TEAMS,
                seed: 7,
                last_day: false,
            });
            for (k, n) in counts(&plan).violations {
                *total.violations.entry(k).or_default() += n;
            }
        }
        let per_day = |k: ViolationType| {
            f64::from(total.violations.get(&k).copied().unwrap_or(0)) / f64::from(days)
        };
        assert!(within(per_day(ViolationType::NoHelmet), 2122.0 / 97.0, 0.2));
        assert!(within(
            per_day(ViolationType::UmbrellaRig),
            1563.0 / 97.0,
            0.2
        ));
        assert!(within(
            per_day(ViolationType::IllegalParking),
            2576.0 / 97.0,
            0.2
        ));
        assert!(per_day(ViolationType::DrunkDriving) < 1.5);
    }

    #[test]
    fn the_last_days_night_sorties_stay_open() {
        let city = city();
        let plan = plan_day(DayInput {
            city: &city,
            date: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            groups: city.groups.len(),
            posts: city.posts.len(),
            communities: COMMUNITY_TEAMS,
            seed: 1,
            last_day: true,
        });
        let open = plan.iter().filter(|d| d.stays_open).count();
        assert_eq!(open, city.groups.len());
    }
}

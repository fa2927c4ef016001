//! Abuse controls that need memory of recent requests: how many enrolment attempts one address,
//! and HQ as a whole, may make per minute. Enrolment is the one door a stranger can knock on
//! without credentials; a code has 60 bits, and this keeps guessing them hopeless. Pure
//! bookkeeping with the time passed in, so tests drive it without a clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Attempts one address may make per window.
pub const ENROL_PER_ADDRESS: u32 = 10;
/// Attempts all addresses together may make per window.
pub const ENROL_OVERALL: u32 = 120;
/// The window, ms.
pub const ENROL_WINDOW_MS: i64 = 60_000;
/// Addresses remembered at most; past this the oldest windows are forgotten first.
const MAX_TRACKED: usize = 10_000;

/// Fixed-window counters of enrolment attempts.
#[derive(Debug, Default)]
pub struct EnrolLimiter {
    inner: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    overall: (i64, u32),
    by_address: HashMap<IpAddr, (i64, u32)>,
}

/// Why an attempt was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Address,
    Overall,
}

impl EnrolLimiter {
    /// Count one attempt from `addr` (unknown when HQ cannot tell) at `now_ms`. This machine
    /// itself (loopback) is not limited: whoever runs there can read HQ's database anyway, and
    /// the station's own tools (the simulator, a kiosk) enrol many devices at once. Behind a
    /// proxy the address is the client's, from `X-Forwarded-For`, never the proxy's loopback.
    pub fn attempt(&self, addr: Option<IpAddr>, now_ms: i64) -> Result<(), Refused> {
        if addr.is_some_and(|a| a.is_loopback()) {
            return Ok(());
        }
        let mut w = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bump = |slot: &mut (i64, u32), limit: u32| -> bool {
            if now_ms.saturating_sub(slot.0) >= ENROL_WINDOW_MS || now_ms < slot.0 {
                *slot = (now_ms, 0);
            }
            if slot.1 >= limit {
                return false;
            }
            slot.1 += 1;
            true
        };
        if let Some(a) = addr {
            if w.by_address.len() >= MAX_TRACKED && !w.by_address.contains_key(&a) {
                w.by_address
                    .retain(|_, slot| now_ms.saturating_sub(slot.0) < ENROL_WINDOW_MS);
                if w.by_address.len() >= MAX_TRACKED {
                    return Err(Refused::Overall);
                }
            }
            let slot = w.by_address.entry(a).or_insert((now_ms, 0));
            if !bump(slot, ENROL_PER_ADDRESS) {
                return Err(Refused::Address);
            }
        }
        if !bump(&mut w.overall, ENROL_OVERALL) {
            return Err(Refused::Overall);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_address_and_overall_windows() {
        let l = EnrolLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..ENROL_PER_ADDRESS {
            assert_eq!(l.attempt(Some(a), 0), Ok(()));
        }
        assert_eq!(l.attempt(Some(a), 1), Err(Refused::Address));
        assert_eq!(
            l.attempt(Some(b), 1),
            Ok(()),
            "another address is not held up"
        );
        assert_eq!(l.attempt(Some(a), ENROL_WINDOW_MS), Ok(()), "a new window");
        // Overall: many addresses together.
        let l = EnrolLimiter::default();
        for i in 0..ENROL_OVERALL {
            let addr: IpAddr = format!("198.51.100.{}", i % 250).parse().unwrap();
            assert_eq!(l.attempt(Some(addr), 5), Ok(()), "{i}");
        }
        assert_eq!(l.attempt(Some(b), 6), Err(Refused::Overall));
        assert_eq!(l.attempt(None, 6), Err(Refused::Overall));
        assert_eq!(l.attempt(None, 5 + ENROL_WINDOW_MS), Ok(()));
        // This machine is not limited, and does not use up anyone's window.
        let l = EnrolLimiter::default();
        for _ in 0..1000 {
            assert_eq!(l.attempt(Some("127.0.0.1".parse().unwrap()), 0), Ok(()));
            assert_eq!(l.attempt(Some("::1".parse().unwrap()), 0), Ok(()));
        }
        assert_eq!(l.attempt(Some(a), 0), Ok(()));
    }
}

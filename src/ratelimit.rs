//! Rate limits by query cost: a token bucket per caller (GCRA, from the `governor` crate),
//! with a budget per role.
//!
//! A request is charged its *requested* cost (the static complexity computed before it runs),
//! so a refused request runs no SQL. The buckets live in this process: with several replicas
//! each one keeps its own, and a caller's effective budget is the per-replica budget times the
//! replicas that its requests reach (documented in README).

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::auth::identity::Role;

/// Cost points a caller may spend per period; a full bucket holds one period's points, so a
/// caller may spend them all at once and then regains them evenly over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Points per period (1 or more).
    pub points: u32,
    /// Length of the period (1 ms to 1 day).
    pub period: Duration,
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.points, humantime::format_duration(self.period))
    }
}

/// The budget of each role; a role without one is not rate-limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budgets(pub BTreeMap<Role, Budget>);

/// Default budgets: cost points per minute. A default page of 20 stations with a few fields
/// costs about 100 points; the largest query accepted by default costs 200,000, which PUBLIC
/// may run once a minute.
pub const DEFAULT_BUDGETS: &str = "PUBLIC=200000/1m,PORTAL=1000000/1m,CIVIL_AFFAIRS=1000000/1m,STATION_STAFF=1000000/1m,SYNC_CLIENT=4000000/1m,ADMIN=off";

impl Default for Budgets {
    fn default() -> Self {
        Budgets::parse_onto(BTreeMap::new(), DEFAULT_BUDGETS).expect("the default budgets parse")
    }
}

impl FromStr for Budgets {
    type Err = String;

    /// Parses `ROLE=POINTS/PERIOD` entries separated by commas (`PUBLIC=2000/1m,ADMIN=off`);
    /// `off` removes a role's limit. Roles not named keep their default budget.
    fn from_str(s: &str) -> Result<Self, String> {
        Budgets::parse_onto(Budgets::default().0, s)
    }
}

impl Budgets {
    fn parse_onto(mut budgets: BTreeMap<Role, Budget>, s: &str) -> Result<Self, String> {
        for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (role, budget) =
                entry.split_once('=').ok_or_else(|| format!("`{entry}`: expected ROLE=POINTS/PERIOD or ROLE=off"))?;
            let role = Role::parse(role.trim()).ok_or_else(|| {
                format!(
                    "`{entry}`: unknown role; use PUBLIC, PORTAL, CIVIL_AFFAIRS, STATION_STAFF, SYNC_CLIENT or ADMIN"
                )
            })?;
            if budget.trim() == "off" {
                budgets.remove(&role);
                continue;
            }
            let (points, period) =
                budget.split_once('/').ok_or_else(|| format!("`{entry}`: expected POINTS/PERIOD, e.g. 20000/1m"))?;
            let points: u32 = points
                .trim()
                .parse()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| format!("`{entry}`: points must be a whole number from 1 to {}", u32::MAX))?;
            let period = humantime::parse_duration(period.trim())
                .map_err(|e| format!("`{entry}`: period: {e} (e.g. 1m, 30s, 500ms)"))?;
            if period < Duration::from_millis(1) || period > Duration::from_secs(86_400) {
                return Err(format!("`{entry}`: the period must be from 1ms to 1 day"));
            }
            if period / points == Duration::ZERO {
                return Err(format!("`{entry}`: more than one point per nanosecond"));
            }
            budgets.insert(role, Budget { points, period });
        }
        Ok(Budgets(budgets))
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The bucket holds too few points now; it will hold enough after `retry_after`.
    Later { retry_after: Duration, budget: Budget },
    /// The request costs more than the role's whole bucket: it can never run.
    Never { budget: Budget },
}

/// The per-role, per-caller token buckets of one process.
pub struct RateLimiter {
    limiters: BTreeMap<Role, (Budget, DefaultKeyedRateLimiter<String>)>,
    checks: AtomicU64,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.limiters.iter().map(|(r, (b, _))| (r.as_str(), b.to_string()))).finish()
    }
}

/// Every this many checks, buckets that have refilled completely are forgotten, so memory
/// stays bounded by the callers active within one period.
const HOUSEKEEPING_EVERY: u64 = 1024;

impl RateLimiter {
    /// Empty buckets for each budgeted role.
    pub fn new(budgets: &Budgets) -> Self {
        let limiters = budgets
            .0
            .iter()
            .filter_map(|(role, budget)| {
                let burst = NonZeroU32::new(budget.points)?;
                let quota = Quota::with_period(budget.period / budget.points)?.allow_burst(burst);
                Some((*role, (*budget, DefaultKeyedRateLimiter::keyed(quota))))
            })
            .collect();
        Self { limiters, checks: AtomicU64::new(0) }
    }

    /// Takes `cost` points from `caller`'s bucket of `role`, or says why not.
    pub fn check(&self, role: Role, caller: &str, cost: usize) -> Result<(), Refusal> {
        let Some((budget, limiter)) = self.limiters.get(&role) else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY == HOUSEKEEPING_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let cost = u32::try_from(cost.max(1)).unwrap_or(u32::MAX);
        let cost = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
        match limiter.check_key_n(&caller.to_owned(), cost) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(Refusal::Later {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
                budget: *budget,
            }),
            Err(_) => Err(Refusal::Never { budget: *budget }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_override_and_refuse_nonsense() {
        let b: Budgets = "PUBLIC=10/1s, ADMIN=5/1m".parse().unwrap();
        assert_eq!(b.0[&Role::Public], Budget { points: 10, period: Duration::from_secs(1) });
        assert_eq!(b.0[&Role::Admin], Budget { points: 5, period: Duration::from_secs(60) });
        assert!(b.0.contains_key(&Role::Portal), "unnamed roles keep their default");
        let off: Budgets = "PORTAL=off".parse().unwrap();
        assert!(!off.0.contains_key(&Role::Portal));
        for bad in
            ["PUBLIC", "NOBODY=1/1s", "PUBLIC=0/1s", "PUBLIC=x/1s", "PUBLIC=5/forever", "PUBLIC=5/2days", "PUBLIC=5"]
        {
            assert!(bad.parse::<Budgets>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_refuses_when_empty_and_says_when_to_retry() {
        let limiter = RateLimiter::new(&"PUBLIC=100/1h".parse().unwrap());
        assert_eq!(limiter.check(Role::Public, "a", 60), Ok(()));
        match limiter.check(Role::Public, "a", 60) {
            Err(Refusal::Later { retry_after, .. }) => {
                // 20 points missing at 36 s a point.
                assert!(
                    retry_after > Duration::from_secs(700) && retry_after <= Duration::from_secs(720),
                    "{retry_after:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(limiter.check(Role::Public, "b", 60), Ok(()), "callers have their own buckets");
        assert!(matches!(limiter.check(Role::Public, "c", 101), Err(Refusal::Never { .. })));
        assert_eq!(limiter.check(Role::Admin, "a", 1_000_000), Ok(()), "ADMIN is not limited by default");
    }
}

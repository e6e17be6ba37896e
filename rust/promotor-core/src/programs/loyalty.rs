//! Loyalty points, exactly (DESIGN section 10, "Loyalty, exactly").
//!
//! A customer's points live in **lots** named by the local dates at whose 00:00 they become
//! available and expire ([`keys::lot`]). With `today` the local date of `now` in the
//! programme's timezone, a lot is *pending* while `today < available`, *available* while
//! `available <= today < expires`, and expired after. Comparing local dates is comparing
//! with local midnight, also across daylight-saving changes.
//!
//! - **Earning** credits a lot: order points at `today + pending_days`, event, import and
//!   retroactive points at `today`; the lot expires `expire_after_days` after that. Points
//!   owed (`debt`, left by a rollback) are paid first. Points of orders, events and
//!   retroactive awards count toward tiers on the day they become available (`earned=day`);
//!   imported balances do not.
//! - **Spending** takes available lots, the earliest to expire first (then the earliest
//!   available; lots that never expire last), each delta with `min: 0`.
//! - **Taking back** (a rollback) takes the order's own lot while it is pending, then other
//!   pending lots (latest first), then available lots in spending order, and what is left
//!   becomes `debt`, which later earnings pay first. The balance is `available - debt`, so it
//!   may be negative.
//! - **Tiers**: the last tier (list them ascending) whose `points` the points earned in the
//!   `tier_window_days` up to today reach, read before the call's own changes (an order that
//!   crosses a threshold earns at the old tier).
//! - **Announcements**: after a call's changes, a tier that differs from the one last
//!   announced writes `tier_changed`; an available lot with points that expires within
//!   `expiring_notice_days` writes `points_expiring` once.

use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike};
use rust_decimal::Decimal;
use serde_json::json;

use super::keys;
pub use super::ratio::Ratio;
use super::work::Work;
use super::{CEarn, Event, Loyalty};
use crate::compile::CSchedule;
use crate::eval::explain::holds;
use crate::eval::expr::{Ctx, Facts};
use crate::input::Input;

/// One lot read from the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub available: NaiveDate,
    pub expires: Option<NaiveDate>,
    pub points: i64,
    /// The member naming it (`lot=A/E`).
    pub member: String,
}

/// [`Lot`] borrowing its member from the decision's counters.
#[derive(Debug, Clone, Copy)]
struct LotRef<'a> {
    available: NaiveDate,
    expires: Option<NaiveDate>,
    points: i64,
    member: &'a str,
}

impl Lot {
    fn borrowed(&self) -> LotRef<'_> {
        LotRef {
            available: self.available,
            expires: self.expires,
            points: self.points,
            member: &self.member,
        }
    }
}

impl LotRef<'_> {
    fn to_lot(self) -> Lot {
        Lot {
            available: self.available,
            expires: self.expires,
            points: self.points,
            member: self.member.to_owned(),
        }
    }
}

/// A customer's counters as an announcement reads them ([`Loyalty::read`]).
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// Points earned in the tier window.
    pub window: i64,
    /// Lots due a `points_expiring` notice, in no particular order.
    due: Vec<Lot>,
}

/// What a customer has in a programme at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// Points of available lots, less what is owed (may be negative).
    pub available: i64,
    pub pending: i64,
    /// `(date at whose 00:00 they expire, points)` of available lots, by date.
    pub expiring: Vec<(NaiveDate, i64)>,
    pub tier: Option<usize>,
}

/// Whether `now` is inside a schedule (weekdays and half-open hours, in its timezone).
pub fn in_schedule(s: &CSchedule, now: i64) -> bool {
    let Some(l) = crate::time::local(now, s.tz) else {
        return false;
    };
    if let Some(days) = &s.weekdays {
        if !days.iter().any(|d| u32::from(*d) == l.weekday) {
            return false;
        }
    }
    if let Some((a, b)) = s.hours {
        let (a, b, h) = (u32::from(a), u32::from(b), l.hour);
        let inside = if a < b {
            a <= h && h < b
        } else {
            h >= a || h < b
        };
        if !inside {
            return false;
        }
    }
    true
}

impl CEarn {
    /// Whether the rule applies at `now` to what `ctx` sees.
    fn applies<'a>(&'a self, ctx: &mut Ctx<'a>, now: i64) -> bool {
        if self.starts_at.is_some_and(|s| now < s) || self.ends_at.is_some_and(|e| now >= e) {
            return false;
        }
        if self.schedule.as_ref().is_some_and(|s| !in_schedule(s, now)) {
            return false;
        }
        self.rules.as_ref().is_none_or(|r| holds(ctx, r))
    }
}

/// `Ctx` over an input, for earning rules (no memo: nothing is remembered).
pub fn context<'a>(input: &'a Input, facts: &'a Facts, mode: crate::num::RoundMode) -> Ctx<'a> {
    Ctx::new(input, facts, mode, 0)
}

impl Loyalty {
    /// The local date of `now` in the programme's timezone.
    pub fn today(&self, now: i64) -> NaiveDate {
        DateTime::from_timestamp_micros(now)
            .map_or(NaiveDate::MIN, |t| t.with_timezone(&self.tz).date_naive())
    }

    /// The instant (microseconds) of 00:00 local on `day`; the first instant of that day
    /// when a daylight-saving change skips midnight.
    pub fn midnight(&self, day: NaiveDate) -> i64 {
        use chrono::TimeZone;
        let mut t = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        for _ in 0..4 {
            if let Some(x) = self.tz.from_local_datetime(&t).earliest() {
                return x.timestamp_micros();
            }
            t = t.with_hour(t.hour() + 1).unwrap_or(t);
        }
        t.and_utc().timestamp_micros()
    }

    fn expiry(&self, available: NaiveDate) -> Option<NaiveDate> {
        self.expire_after_days
            .and_then(|d| available.checked_add_days(Days::new(u64::from(d))))
    }

    /// Every lot of a customer (`family`) as the decision sees it now, by member name.
    pub fn lots(&self, work: &Work<'_>, family: &str) -> Vec<Lot> {
        let mut lots: Vec<Lot> = Self::lot_refs(work, family).map(LotRef::to_lot).collect();
        lots.sort_unstable_by(|a, b| a.member.cmp(&b.member));
        lots
    }

    /// The lots of [`Loyalty::lots`], borrowed and in no particular order.
    fn lot_refs<'a>(work: &'a Work<'_>, family: &'a str) -> impl Iterator<Item = LotRef<'a>> {
        work.each_member(family).filter_map(|(m, points)| {
            let (available, expires) = keys::parse_span(m.strip_prefix("lot=")?)?;
            Some(LotRef {
                available,
                expires,
                points,
                member: m,
            })
        })
    }

    /// Points earned in the tier window up to `today`.
    pub fn window_points(&self, work: &Work<'_>, family: &str, today: NaiveDate) -> i64 {
        let from = self.window_start(today);
        work.each_member(family)
            .filter_map(|(m, points)| {
                let day = keys::parse_date(m.strip_prefix("earned=")?)?;
                in_window(day, today, from).then_some(points)
            })
            .sum()
    }

    /// The day before the tier window that ends `today` (`None`: all time).
    fn window_start(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.tier_window_days
            .and_then(|d| today.checked_sub_days(Days::new(u64::from(d))))
    }

    /// Whether points earned on `day` count toward the tier `today`.
    fn counts_toward_tier(&self, day: NaiveDate, today: NaiveDate) -> bool {
        in_window(day, today, self.window_start(today))
    }

    /// The tier reached by `points` earned in the window.
    pub fn tier_for(&self, points: i64) -> Option<usize> {
        self.tiers
            .iter()
            .enumerate()
            .filter(|(_, t)| points >= t.points)
            .map(|(i, _)| i)
            .next_back()
    }

    pub fn tier(&self, work: &Work<'_>, family: &str, today: NaiveDate) -> Option<usize> {
        self.tier_for(self.window_points(work, family, today))
    }

    pub fn balance(&self, work: &Work<'_>, family: &str, now: i64) -> Balance {
        let today = self.today(now);
        let mut available = -work.get(&keys::member(family, "debt"));
        let mut pending = 0;
        let mut expiring: Vec<(NaiveDate, i64)> = Vec::new();
        for lot in Self::lot_refs(work, family) {
            if lot.available > today {
                pending += lot.points;
            } else if lot.expires.is_none_or(|e| today < e) {
                available += lot.points;
                if let (Some(e), true) = (lot.expires, lot.points != 0) {
                    match expiring.iter_mut().find(|(d, _)| *d == e) {
                        Some((_, p)) => *p += lot.points,
                        None => expiring.push((e, lot.points)),
                    }
                }
            }
        }
        expiring.sort_unstable();
        Balance {
            available,
            pending,
            expiring,
            tier: self.tier(work, family, today),
        }
    }

    /// Available lots in the order spending takes them (a lot's member names its dates, so
    /// the order is total).
    fn spendable<'a>(work: &'a Work<'_>, family: &'a str, today: NaiveDate) -> Vec<LotRef<'a>> {
        let mut lots: Vec<LotRef<'a>> = Self::lot_refs(work, family)
            .filter(|l| Self::is_spendable(l, today))
            .collect();
        lots.sort_unstable_by_key(Self::spending_order);
        lots
    }

    /// An available lot with points.
    fn is_spendable(l: &LotRef<'_>, today: NaiveDate) -> bool {
        l.available <= today && l.expires.is_none_or(|e| today < e) && l.points > 0
    }

    fn spending_order<'a>(l: &LotRef<'a>) -> (bool, Option<NaiveDate>, NaiveDate, &'a str) {
        (l.expires.is_none(), l.expires, l.available, l.member)
    }

    /// Credits `points` becoming available on `available` (owed points are paid first, but
    /// by an `add` import, which reads nothing); counted toward tiers unless `tier_free`.
    /// Returns the lot's member.
    pub fn credit(
        &self,
        work: &mut Work<'_>,
        family: &str,
        points: i64,
        available: NaiveDate,
        tier_free: bool,
    ) -> String {
        self.credit_with(work, family, points, available, tier_free, true)
    }

    pub fn credit_with(
        &self,
        work: &mut Work<'_>,
        family: &str,
        points: i64,
        available: NaiveDate,
        tier_free: bool,
        pay_debt: bool,
    ) -> String {
        // One buffer `family#` for the three keys (every order with points credits once).
        let mut key = String::with_capacity(family.len() + 32);
        key.push_str(family);
        key.push('#');
        let base = key.len();
        key.push_str("debt");
        let owed = if pay_debt { work.get(&key).max(0) } else { 0 };
        let paid = owed.min(points);
        if paid > 0 {
            work.add(&key, -paid, Some(0), None);
        }
        let lot = keys::lot(available, self.expiry(available));
        key.truncate(base);
        key.push_str(&lot);
        work.add(&key, points - paid, None, None);
        if !tier_free {
            key.truncate(base);
            keys::push_earned(&mut key, available);
            work.add(&key, points, None, None);
        }
        lot
    }

    /// Spends `n` points from available lots, earliest-expiring first; the caller checked
    /// that they are there. Returns what it took.
    pub fn spend(&self, work: &mut Work<'_>, family: &str, n: i64, today: NaiveDate) -> i64 {
        let mut left = n;
        let mut takes = Vec::new();
        for lot in Self::spendable(work, family, today) {
            if left <= 0 {
                break;
            }
            let take = lot.points.min(left);
            takes.push((keys::member(family, lot.member), take));
            left -= take;
        }
        for (key, take) in takes {
            work.add(&key, -take, Some(0), None);
        }
        n - left
    }

    /// Takes `n` earned points back: the lot `own` while pending, other pending lots (latest
    /// available first, then latest expiry first, "never" counting as the latest),
    /// available lots in spending order, then as debt. Returns `(from lots, owed)`.
    pub fn take_back(
        &self,
        work: &mut Work<'_>,
        family: &str,
        n: i64,
        own: Option<&str>,
        today: NaiveDate,
    ) -> (i64, i64) {
        let mut pending: Vec<Lot> = self
            .lots(work, family)
            .into_iter()
            .filter(|l| l.available > today && l.points > 0)
            .collect();
        pending.sort_by(|a, b| {
            let mine = |l: &Lot| Some(l.member.as_str()) == own;
            mine(b)
                .cmp(&mine(a))
                .then(b.available.cmp(&a.available))
                // Latest expiry first, and a lot that never expires is the latest of all (as
                // in the spending order); `Option`'s own order would put it first.
                .then(never_last(b.expires).cmp(&never_last(a.expires)))
        });
        let mut left = n;
        let spendable: Vec<Lot> = Self::spendable(work, family, today)
            .into_iter()
            .map(LotRef::to_lot)
            .collect();
        for lot in pending.into_iter().chain(spendable) {
            if left <= 0 {
                break;
            }
            let now_points = work.get(&keys::member(family, &lot.member));
            let take = now_points.min(left);
            if take > 0 {
                work.add(&keys::member(family, &lot.member), -take, Some(0), None);
                left -= take;
            }
        }
        if left > 0 {
            work.add(&keys::member(family, "debt"), left, None, None);
        }
        (n - left, left)
    }

    /// The multiplier and points of the rules for an order (`on = None`) or an event, on what
    /// `ctx` sees at `now`: `(sum of points x amount / per, product of multipliers)`.
    fn rate<'a>(
        &'a self,
        ctx: &mut Ctx<'a>,
        on: Option<&str>,
        amount: Ratio,
        now: i64,
    ) -> Option<(Ratio, Ratio)> {
        let mut sum = Ratio::ZERO;
        let mut mult = Ratio::ONE;
        for r in &self.earn {
            if r.on.as_deref() != on || !r.applies(ctx, now) {
                continue;
            }
            if let Some(p) = r.points {
                let term = match (on, r.rate) {
                    (Some(_), _) => Ratio::of(p),
                    (None, Some(rate)) => rate.times(amount)?,
                    (None, None) => Ratio::of(p).times(amount)?.over(Ratio::of(r.per))?,
                };
                sum = sum.plus(term)?;
            }
            if let Some(m) = r.multiplier {
                mult = mult.times(m)?;
            }
        }
        Some((sum, mult))
    }

    /// Points an order or event earns: the rules' sum times every multiplier (the tier's
    /// too), floored once; 0 on an overflow.
    pub fn points<'a>(
        &'a self,
        ctx: &mut Ctx<'a>,
        on: Option<&str>,
        amount: Decimal,
        tier: Option<usize>,
        now: i64,
    ) -> i64 {
        let total = self
            .rate(ctx, on, Ratio::of(amount), now)
            .and_then(|(sum, mult)| {
                let tier_mult = tier.map_or(Ratio::ONE, |t| self.tiers[t].multiplier);
                sum.times(mult)?.times(tier_mult)
            })
            .map_or(0, Ratio::floor);
        i64::try_from(total.max(0)).unwrap_or(0)
    }

    /// After a call's changes: `tier_changed` and `points_expiring`, with the markers that
    /// write each once.
    pub fn announce(
        &self,
        work: &mut Work<'_>,
        family: &str,
        customer: &str,
        now: i64,
        events: &mut Vec<Event>,
    ) {
        let today = self.today(now);
        let reading = self.read(work, family, today);
        self.announce_read(work, family, customer, today, reading, events);
    }

    /// What an announcement reads of a customer's counters on `today`, in one pass over
    /// them: the points earned in the tier window ([`Loyalty::window_points`]) and the lots
    /// due a `points_expiring` notice (available, with points, expiring within
    /// `expiring_notice_days`).
    pub fn read(&self, work: &Work<'_>, family: &str, today: NaiveDate) -> Reading {
        let from = self.window_start(today);
        let days = DayBounds::new(today, from, self.notice_days);
        let mut reading = Reading::default();
        for (m, points) in work.each_member(family) {
            if let Some(day) = m.strip_prefix("earned=") {
                let counts = match days.as_ref().and_then(|b| b.in_window(day)) {
                    Some(counts) => counts,
                    None => keys::parse_date(day).is_some_and(|day| in_window(day, today, from)),
                };
                if counts {
                    reading.window += points;
                }
            } else if let Some(span) = m.strip_prefix("lot=") {
                if days.as_ref().is_some_and(|b| !b.may_be_due(span)) {
                    continue;
                }
                let Some((available, expires)) = keys::parse_span(span) else {
                    continue;
                };
                let lot = LotRef {
                    available,
                    expires,
                    points,
                    member: m,
                };
                if self.is_due(&lot, today) {
                    reading.due.push(lot.to_lot());
                }
            }
        }
        reading
    }

    /// Brings `reading` up to date after [`Loyalty::credit`] of `points` to the lot
    /// `lot` becoming available on `available` (the lot's and the window's counters are
    /// the only ones of the reading a credit changes): a checkout reads its customer once.
    pub fn credited(
        &self,
        work: &Work<'_>,
        family: &str,
        reading: &mut Reading,
        (lot, available, points): (&str, NaiveDate, i64),
        today: NaiveDate,
    ) {
        // Dates as the keys read back, as a second read would see them.
        let earned = keys::parse_date(&keys::date(available));
        if earned.is_some_and(|day| self.counts_toward_tier(day, today)) {
            reading.window += points;
        }
        reading.due.retain(|l| l.member != lot);
        if let Some((available, expires)) = lot.strip_prefix("lot=").and_then(keys::parse_span) {
            let now = LotRef {
                available,
                expires,
                points: work.get(&keys::member(family, lot)),
                member: lot,
            };
            if self.is_due(&now, today) {
                reading.due.push(now.to_lot());
            }
        }
    }

    /// An available lot with points that expires within the notice period.
    fn is_due(&self, l: &LotRef<'_>, today: NaiveDate) -> bool {
        let notice = Days::new(u64::from(self.notice_days));
        Self::is_spendable(l, today)
            && l.expires
                .is_some_and(|e| today >= e.checked_sub_days(notice).unwrap_or(NaiveDate::MIN))
    }

    /// [`Loyalty::announce`] on `today` from what [`Loyalty::read`] read after the call's
    /// changes.
    pub fn announce_read(
        &self,
        work: &mut Work<'_>,
        family: &str,
        customer: &str,
        today: NaiveDate,
        reading: Reading,
        events: &mut Vec<Event>,
    ) {
        let tier_key = keys::member(family, "tier");
        let was = work.get(&tier_key);
        let is = self.tier_for(reading.window).map_or(0, |t| t as i64 + 1);
        if was != is {
            work.add(&tier_key, is - was, Some(is), Some(is));
            let name = |v: i64| {
                usize::try_from(v - 1)
                    .ok()
                    .and_then(|i| self.tiers.get(i))
                    .map(|t| t.name.clone())
            };
            events.push(Event::new(
                "tier_changed",
                Some(customer),
                json!({"program": self.id, "from": name(was), "to": name(is)}),
            ));
        }
        // Notices in spending order; only lots due one build their marker's key, and most
        // lots of a year's expiry are not due.
        let mut due = reading.due;
        due.sort_unstable_by(|a, b| {
            Self::spending_order(&a.borrowed()).cmp(&Self::spending_order(&b.borrowed()))
        });
        for lot in due {
            let Some(expires) = lot.expires else {
                continue;
            };
            let marker = keys::member(family, &keys::notice(lot.available, lot.expires));
            if work.get(&marker) == 0 {
                work.add(&marker, 1, None, Some(1));
                events.push(Event::new(
                    "points_expiring",
                    Some(customer),
                    json!({
                        "program": self.id,
                        "points": lot.points,
                        "expires_on": keys::date(expires),
                        "days_left": (expires - today).num_days(),
                    }),
                ));
            }
        }
    }

    /// The `points_earned` event of a credit.
    pub fn earned_event(
        &self,
        customer: &str,
        points: i64,
        lot: &str,
        source: &str,
        extra: serde_json::Value,
    ) -> Event {
        let (available, expires) =
            keys::parse_span(lot.strip_prefix("lot=").unwrap_or(lot)).unwrap_or_default();
        let mut payload = json!({
            "program": self.id,
            "points": points,
            "source": source,
            "available_on": keys::date(available),
            "expires_on": expires.map(keys::date),
        });
        if let (Some(obj), serde_json::Value::Object(more)) = (payload.as_object_mut(), extra) {
            obj.extend(more);
        }
        Event::new("points_earned", Some(customer), payload)
    }

    /// The local date order points become available.
    pub fn order_available(&self, today: NaiveDate) -> NaiveDate {
        today
            .checked_add_days(Days::new(u64::from(self.pending_days)))
            .unwrap_or(today)
    }
}

/// The dates [`Loyalty::read`] compares members' dates with, as [`keys::written_day`]
/// numbers: a member's date written as keys write dates is then decided without parsing it
/// (parsing every lot and earning day of a frequent customer was most of a read). `None`
/// when a bound has no such number.
struct DayBounds {
    today: u32,
    /// The day before the tier window (`None`: all time).
    from: Option<u32>,
    /// The last expiry day a lot due a notice can have: `today` plus the notice days.
    due_by: u32,
}

impl DayBounds {
    fn new(today: NaiveDate, from: Option<NaiveDate>, notice_days: u32) -> Option<Self> {
        let due_by = today.checked_add_days(Days::new(u64::from(notice_days)))?;
        Some(Self {
            today: keys::day_number(today)?,
            from: match from {
                Some(f) => Some(keys::day_number(f)?),
                None => None,
            },
            due_by: keys::day_number(due_by)?,
        })
    }

    /// Whether points earned on `day` count toward the tier; `None`: parse it to know.
    fn in_window(&self, day: &str) -> Option<bool> {
        let day = keys::written_day(day)?;
        Some(day <= self.today && self.from.is_none_or(|f| day > f))
    }

    /// Whether the lot `span` (`A/E`) may be due a notice: `false` when its expiry is a
    /// written day not after today or beyond the notice period, or when it never expires
    /// (and a lot that cannot be parsed is never due either).
    fn may_be_due(&self, span: &str) -> bool {
        let Some(at) = span.bytes().position(|b| b == b'/') else {
            return false;
        };
        match &span[at + 1..] {
            "-" => false,
            expires => {
                keys::written_day(expires).is_none_or(|e| e > self.today && e <= self.due_by)
            }
        }
    }
}

/// A date's ISO weekday, for tests.
pub fn weekday(d: NaiveDate) -> u32 {
    d.weekday().number_from_monday()
}

/// Whether `day` is in the tier window of `today` that starts after `from`.
fn in_window(day: NaiveDate, today: NaiveDate, from: Option<NaiveDate>) -> bool {
    day <= today && from.is_none_or(|f| day > f)
}

/// An expiry date for ordering, with "never" after every date.
fn never_last(expires: Option<NaiveDate>) -> NaiveDate {
    expires.unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
#[path = "loyalty_tests.rs"]
mod tests;

//! Whether a campaign is active at an instant (docs/semantics.md, "Campaigns"): its switch,
//! start and end, and its weekly schedule in its timezone (the reference's `active.py`).

use crate::compile::CCampaign;
use crate::time;

/// `None` when active, else the `not_active` detail.
pub(super) fn inactive(c: &CCampaign, now: i64) -> Option<&'static str> {
    if !c.active {
        return Some("inactive");
    }
    if c.starts_at.is_some_and(|s| now < s) {
        return Some("not_started");
    }
    if c.ends_at.is_some_and(|e| now >= e) {
        return Some("ended");
    }
    if let Some(s) = &c.schedule {
        let Some(l) = time::local(now, s.tz) else {
            return Some("outside_schedule");
        };
        let listed = |day: u32| {
            s.weekdays
                .as_ref()
                .is_none_or(|d| d.iter().any(|x| u32::from(*x) == day))
        };
        let inside = match s.hours {
            None => listed(l.weekday),
            Some((a, b)) => {
                let (a, b, h) = (u32::from(a), u32::from(b), l.hour);
                if a < b {
                    listed(l.weekday) && a <= h && h < b
                } else {
                    // The night that starts on a listed day: its evening, or the next morning.
                    let yesterday = if l.weekday == 1 { 7 } else { l.weekday - 1 };
                    (h >= a && listed(l.weekday)) || (h < b && listed(yesterday))
                }
            }
        };
        if !inside {
            return Some("outside_schedule");
        }
    }
    None
}

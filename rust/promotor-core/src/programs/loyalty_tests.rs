//! Tests of [`super`] (the loyalty programme's bookkeeping), in their own file to keep
//! loyalty.rs under 700 lines.

use super::*;

#[test]
fn a_checkout_reading_once_announces_what_a_second_read_would() {
    use crate::state::Snapshot;
    let day = |s: &str| keys::parse_date(s).unwrap();
    let family = keys::loyalty("pts", "c1");
    let snap: Snapshot = [
        ("lot=2025-01-20/2026-01-20", 40),
        ("lot=2025-01-12/2026-01-12", 5),
        ("lot=2025-03-01/2026-03-01", 70),
        ("lot=2025-12-01/-", 9),
        ("lot=2026-01-10/2026-01-20", 3),
        ("lot=2026-01-13/2026-01-23", 8),
        ("earned=2025-12-20", 400),
        ("earned=2026-01-10", 30),
        ("notice=2025-01-12/2026-01-12", 1),
        ("tier", 1),
    ]
    .into_iter()
    .map(|(m, v)| (keys::member(&family, m), v))
    .collect();
    let now = Loyalty {
        id: String::new(),
        earn: Vec::new(),
        pending_days: 0,
        expire_after_days: None,
        tiers: Vec::new(),
        tier_window_days: None,
        rewards: Vec::new(),
        point_minor: None,
        tz: chrono_tz::UTC,
        notice_days: 0,
    }
    .midnight(day("2026-01-10"))
        + 3_600_000_000;
    for (pending, expire, window, notice) in [
        (0, Some(10), Some(30), 14),
        (3, Some(10), Some(0), 14),
        (0, None, None, 0),
        (14, Some(365), Some(365), 400),
    ] {
        let l = Loyalty {
            id: "pts".to_owned(),
            earn: Vec::new(),
            pending_days: pending,
            expire_after_days: expire,
            tiers: [("silver", 300), ("gold", 460)]
                .into_iter()
                .map(|(name, points)| super::super::CTier {
                    name: name.to_owned(),
                    points,
                    multiplier: super::super::Ratio::ONE,
                })
                .collect(),
            tier_window_days: window,
            rewards: Vec::new(),
            point_minor: None,
            tz: chrono_tz::UTC,
            notice_days: notice,
        };
        let today = l.today(now);
        let available = l.order_available(today);
        let (mut once, mut twice) = (Work::new(&snap), Work::new(&snap));
        let (mut by_once, mut by_twice) = (Vec::new(), Vec::new());
        let mut reading = l.read(&once, &family, today);
        let lot = l.credit(&mut once, &family, 50, available, false);
        l.credited(&once, &family, &mut reading, (&lot, available, 50), today);
        l.announce_read(&mut once, &family, "c1", today, reading, &mut by_once);
        l.credit(&mut twice, &family, 50, available, false);
        l.announce(&mut twice, &family, "c1", now, &mut by_twice);
        assert_eq!(
            by_once, by_twice,
            "{pending} {expire:?} {window:?} {notice}"
        );
        assert_eq!(once.deltas(), twice.deltas());
        assert!(!by_twice.is_empty());
    }
}

"""Whether a campaign is active at an instant (docs/semantics.md, "Campaigns"): its switch,
start and end, and its weekly schedule in its timezone. The core's ``eval/stacking/active.rs``
makes the same decision."""

from __future__ import annotations

from datetime import datetime

from promotor.testing.reference import time
from promotor.testing.reference.program import CCampaign

__all__ = ["inactive_detail"]


def inactive_detail(campaign: CCampaign, now: datetime) -> str | None:
    """Why a candidate is not active, checked in the spec's order; ``None`` when active."""
    if not campaign.active:
        return "inactive"
    if campaign.starts_at is not None and now < campaign.starts_at:
        return "not_started"
    if campaign.ends_at is not None and now >= campaign.ends_at:
        return "ended"
    schedule = campaign.schedule
    if schedule is not None:
        local = time.local_time(now, schedule.timezone)
        if local is None:
            raise ValueError(f"unknown timezone {schedule.timezone!r}")
        day = local.isoweekday()

        def listed(weekday: int) -> bool:
            return not schedule.weekdays or weekday in schedule.weekdays

        if schedule.hours is None:
            within = listed(day)
        else:
            start, end = schedule.hours
            hour = local.hour
            if start == end:
                within = False
            elif start < end:
                within = listed(day) and start <= hour < end
            else:
                # The night that starts on a listed day: its evening or the next morning.
                yesterday = 7 if day == 1 else day - 1
                within = (hour >= start and listed(day)) or (hour < end and listed(yesterday))
        if not within:
            return "outside_schedule"
    return None

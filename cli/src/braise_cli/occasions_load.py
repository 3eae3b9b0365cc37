"""The demo's occasions: Radicale filled with the firm's events and a few consultants' own
calendars, registered with profiles and synced, so that the digests name real occasions."""

import random
from dataclasses import dataclass
from datetime import datetime

from braise_cli.firm import Firm
from braise_cli.occasions_demo import fill_radicale
from braise_cli.operator import Braise

FIRM_CALENDAR = "Événements du cabinet"


@dataclass(frozen=True)
class OccasionsLoaded:
    """What the syncs published: occasions scheduled and withdrawn, interactions recorded."""

    firm_events: int
    own_calendars: int
    scheduled: int
    withdrawn: int
    interactions: int


def load_occasions(braise: Braise, firm: Firm, *, seed: int, now: datetime) -> OccasionsLoaded:
    """Fill the stack's Radicale, then register the firm's calendar and connect the
    consultants' own (or sync them again when a previous demo did)."""
    settings = braise.settings
    user, password = settings.caldav_user, settings.caldav_password.get_secret_value()
    filled = fill_radicale(
        settings.caldav_url,
        user,
        password,
        firm.consultants,
        now,
        random.Random(seed),  # noqa: S311 - a demo's draw
    )
    known = [c for c in braise.calendars() if c["owner_id"] is None and c["name"] == FIRM_CALENDAR]
    if known:
        syncs = [braise.sync_calendar(known[0]["id"])]
    else:
        syncs = [
            braise.add_calendar(
                name=FIRM_CALENDAR,
                source="caldav",
                url=filled.firm_calendar_url,
                user=user,
                password=password,
            )
        ]
    ids = braise.consultant_ids(set(filled.consultant_calendars))
    for email, url in sorted(filled.consultant_calendars.items()):
        if email in ids:
            syncs.append(braise.connect_calendar(ids[email], url=url, user=user, password=password))
    errors = [s["error"] for s in syncs if s.get("error")]
    if errors:
        raise ValueError(f"a demo calendar did not sync: {errors[0]}")
    return OccasionsLoaded(
        firm_events=filled.firm_events,
        own_calendars=len(syncs) - 1,
        scheduled=sum(s["scheduled"] for s in syncs),
        withdrawn=sum(s["withdrawn"] for s in syncs),
        interactions=sum(s["interactions"] for s in syncs),
    )

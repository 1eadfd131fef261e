"""Every page and API route of the calendar, with the status each persona must get.

Personal routes (the calendar views, the feed page, adding an own event) answer every signed-in
person about their own calendar — the outsider sees their own company's. Routes on one event are
called on an event of the target company: members see it (200), the outsider meets another
company's id (404); changing it needs a working role (owners, admins, buyers, supplier
representatives); evaluators and viewers read only (403). The private feed is read with its
secret, by anyone who holds it.
"""

from __future__ import annotations

from typing import Any

from companies.testing import PERSONAS, RouteCase, RouteWorld, everyone, for_roles

WRITERS = ("owner", "admin", "buyer", "supplier_rep")
MANAGERS = ("owner", "admin")
EVENT_FORM = {
    "title": "Supplier visit",
    "kind": "meeting",
    "start": "2030-01-07T09:00",
    "end": "2030-01-07T10:00",
    "time_zone": "UTC",
    "owner": "user",
}


def _personal(ok: int, *, api: bool = False) -> dict[str, int]:
    expect = dict.fromkeys(PERSONAS, ok)
    expect["anonymous"] = 401 if api else 302
    return expect


def _company_event(world: RouteWorld) -> dict[str, Any]:
    from calendar_app.tests.factories import CalendarEventFactory

    return {"pk": CalendarEventFactory(owner_user=None, owner_company=world.company).pk}


def _own_event(world: RouteWorld) -> dict[str, Any]:
    """The persona's own personal event; the outsider is given someone else's."""
    from calendar_app.tests.factories import CalendarEventFactory

    owner = world.member("viewer").user if world.user is None or world.persona == "outsider" else world.user
    return {"pk": CalendarEventFactory(owner_user=owner).pk}


def _feed(world: RouteWorld) -> dict[str, Any]:
    from calendar_app import services

    feed = services.feed_get_or_create(user=world.member("viewer").user)
    return {"key": feed.key, "secret": feed.secret}


ROUTES = [
    # pages
    RouteCase("calendar_app:month", _personal(200)),
    RouteCase("calendar_app:week", _personal(200)),
    RouteCase("calendar_app:agenda", _personal(200)),
    RouteCase("calendar_app:next-deadlines", _personal(200)),
    RouteCase("calendar_app:event-create", _personal(200)),
    RouteCase(
        "calendar_app:event-create", _personal(302), method="post", data=lambda w: EVENT_FORM, note="personal event"
    ),
    RouteCase("calendar_app:event-detail", for_roles(200), kwargs=_company_event),
    RouteCase("calendar_app:event-detail", for_roles(200, outsider=404), kwargs=_own_event, note="own event"),
    RouteCase("calendar_app:event-edit", for_roles(200, WRITERS), kwargs=_company_event),
    RouteCase(
        "calendar_app:event-edit",
        for_roles(302, outsider=404),
        method="post",
        kwargs=_own_event,
        data=lambda w: {k: v for k, v in EVENT_FORM.items() if k != "owner"},
        note="own event",
    ),
    RouteCase("calendar_app:event-cancel", for_roles(302, WRITERS), method="post", kwargs=_company_event),
    RouteCase(
        "calendar_app:event-reminders",
        for_roles(302),
        method="post",
        kwargs=_company_event,
        data=lambda w: {"reminders": "1h"},
    ),
    RouteCase("calendar_app:event-ics", for_roles(200), kwargs=_company_event),
    RouteCase("calendar_app:feed", _personal(200)),
    RouteCase("calendar_app:feed-regenerate", _personal(302), method="post"),
    RouteCase(
        "calendar_app:feed-ics",
        everyone(200),
        kwargs=_feed,
        anonymous_to_login=False,
        note="the secret in the URL is the credential",
    ),
    RouteCase("calendar_app:reminder-settings", _personal(200), note="the acting company's settings"),
    RouteCase(
        "calendar_app:reminder-settings",
        for_roles(302, MANAGERS, outsider=302),
        method="post",
        data=lambda w: {"submission_offsets": "2d, 4h", "clarification_offsets": "1d"},
        note="the outsider changes their own company's",
    ),
    # API
    RouteCase("api:calendar-event-list", _personal(200, api=True)),
    RouteCase(
        "api:calendar-event-list",
        _personal(201, api=True),
        method="post",
        data=lambda w: {"title": "Call", "start": "2030-01-07T09:00:00Z"},
        note="personal event",
    ),
    RouteCase("api:calendar-event-detail", for_roles(200, anonymous=401), kwargs=_company_event),
    RouteCase(
        "api:calendar-event-detail",
        for_roles(200, WRITERS, anonymous=401),
        method="patch",
        kwargs=_company_event,
        data=lambda w: {"title": "Renamed"},
    ),
    RouteCase(
        "api:calendar-event-detail",
        for_roles(200, WRITERS, anonymous=401),
        method="put",
        kwargs=_company_event,
        data=lambda w: {"title": "Renamed"},
    ),
    RouteCase(
        "api:calendar-event-detail", for_roles(204, WRITERS, anonymous=401), method="delete", kwargs=_company_event
    ),
    RouteCase(
        "api:calendar-event-reminders",
        for_roles(200, anonymous=401),
        method="put",
        kwargs=_company_event,
        data=lambda w: {"minutes": [60]},
    ),
    RouteCase("api:calendar-occurrences", _personal(200, api=True)),
    RouteCase("api:calendar-feed", _personal(200, api=True)),
    RouteCase("api:calendar-feed-regenerate", _personal(200, api=True), method="post"),
    RouteCase("api:calendar-reminder-settings", _personal(200, api=True)),
    RouteCase(
        "api:calendar-reminder-settings",
        for_roles(200, MANAGERS, anonymous=401, outsider=200),
        method="put",
        data=lambda w: {"submission_offsets": [1440], "clarification_offsets": []},
        note="the outsider changes their own company's",
    ),
]

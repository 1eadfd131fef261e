"""The audit trail's page and API routes, with the status each persona must get.

Checked by tests/test_route_permissions.py (see companies/testing.py for how cases are written).
Owners and administrators read their company's trail; the outsider reads their own company's
(the page uses their active company, the API their X-Company), never the target's. The staff
endpoint refuses every persona, none of them being staff (staff access: test_audit_trail.py).
"""

from __future__ import annotations

from companies.testing import RouteCase, everyone, for_roles

MANAGERS = ("owner", "admin")  # roles with company.view_audit

ROUTES: list[RouteCase] = [
    RouteCase("audit:list", for_roles(200, roles=MANAGERS, outsider=200)),
    RouteCase("api:audit-event-list", for_roles(200, roles=MANAGERS, anonymous=401, outsider=200)),
    RouteCase("api:staff-audit-event-list", {**everyone(403), "anonymous": 401}),
]

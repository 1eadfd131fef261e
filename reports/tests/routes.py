"""The dashboard's route, with the status each persona must get (see companies/testing.py)."""

from __future__ import annotations

from companies.testing import RouteCase, for_roles

ROUTES = [
    RouteCase("reports:dashboard", for_roles(200, outsider=200)),
]

"""Who is on the other end of a request: client address and user agent, as the event store records them."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address.

    With ``TRUSTED_PROXY_COUNT = 0`` it is ``REMOTE_ADDR``. With N trusted proxies in front of the
    web process, each appending the address it received the request from to X-Forwarded-For, the
    client is the N-th address from the right: the first hop our own proxies recorded. Addresses
    further left were sent by the client itself and could be anything, so they are never used. A
    header with fewer than N addresses did not come through the proxies as configured; then
    ``REMOTE_ADDR`` is used.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


def user_agent(request: HttpRequest) -> str | None:
    return request.META.get("HTTP_USER_AGENT") or None

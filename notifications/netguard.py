"""The address guard of outgoing requests to URLs that users give us (webhooks, push subscriptions).

A URL is refused when its host resolves to any address that is not globally routable: loopback
(127.0.0.0/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 — the
cloud metadata service 169.254.169.254 lives there — and fe80::/10), shared, multicast, reserved
or unspecified ranges, and IPv4 addresses hidden in IPv6 (::ffff:127.0.0.1). The check runs when
the URL is saved and again before every request, after resolving the name; the request then
connects to the very address that was checked (:mod:`notifications.outbound`), so a DNS answer
that changes between the check and the connection (DNS rebinding) cannot redirect it.

``NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True`` lifts the address rule (tests, closed networks).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeUrl(ValueError):
    """The URL may not be called; ``str(error)`` is safe to show to the person who entered it."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, in order) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def allow_private() -> bool:
    return bool(getattr(settings, "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", False))


def is_public_address(value: str) -> bool:
    """True only for globally routable unicast addresses."""
    ip = ipaddress.ip_address(value.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return is_public_address(str(mapped))
        if ip.teredo is not None:
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified and not ip.is_reserved


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"The host {host} could not be resolved.") from exc
    addresses: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        addresses.setdefault(str(sockaddr[0]), None)
    if not addresses:
        raise UnsafeUrl(f"The host {host} has no address.")
    return tuple(addresses)


def check_url(url: str, *, allow_private_addresses: bool | None = None, require_https: bool | None = None) -> Target:
    """Parse, resolve and check ``url``; raise :class:`UnsafeUrl` with a readable reason if refused."""
    if allow_private_addresses is None:
        allow_private_addresses = allow_private()
    if require_https is None:
        require_https = bool(getattr(settings, "NOTIFICATIONS_WEBHOOK_REQUIRE_HTTPS", False))
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("The URL is not valid.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl("Only http and https URLs can receive webhooks.")
    if require_https and scheme != "https":
        raise UnsafeUrl("The URL must use https.")
    if parts.username or parts.password:
        raise UnsafeUrl("Credentials in the URL are not allowed; the signature authenticates the messages.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("The URL has no host.")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    if not allow_private_addresses:
        blocked = [address for address in addresses if not is_public_address(address)]
        if blocked:
            raise UnsafeUrl(
                f"The host {host} resolves to {blocked[0]}, a private, loopback, link-local or reserved "
                "address; only public addresses can receive webhooks."
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)

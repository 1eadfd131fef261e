"""Outgoing HTTP for webhooks, Web Push, FCM and the SMS gateway: short timeouts, no redirects.

For URLs that users entered (``guarded=True``) the host is resolved and checked by
:mod:`notifications.netguard` and the connection goes to the checked address itself (TLS still
verifies the certificate against the host name), which defeats DNS rebinding. Redirects are never
followed: a 3xx answer is just a status. At most ``max_body`` bytes of the answer are read.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from notifications import netguard

DEFAULT_TIMEOUT = 5.0
MAX_BODY = 4096


class OutboundError(Exception):
    """The request did not get an HTTP answer (refused, timed out, TLS failure...)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    elapsed_ms: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self, limit: int = 1000) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to ``address`` while speaking HTTP to ``host`` (the Host header stays the name)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._ssl_context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    guarded: bool = True,
    max_body: int = MAX_BODY,
    method: str = "POST",
) -> Response:
    """Send one request and return the answer; raise ``netguard.UnsafeUrl`` or ``OutboundError``.

    ``guarded``: check the address (user-given URLs); operator-configured URLs (the SMS gateway,
    FCM) skip the check but get the same timeouts and no-redirect rule.
    """
    target = netguard.check_url(
        url, allow_private_addresses=None if guarded else True, require_https=None if guarded else False
    )
    started = time.monotonic()
    last_error: Exception | None = None
    # Try the checked addresses in order, like a browser would; the first that connects answers.
    for address in target.addresses[:3]:
        if target.scheme == "https":
            conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
                target.host, target.port, address, timeout, ssl.create_default_context()
            )
        else:
            conn = _PinnedHTTPConnection(target.host, target.port, address, timeout)
        try:
            conn.request(method, target.path, body=body, headers=dict(headers))
            answer = conn.getresponse()
            data = answer.read(max_body)
            return Response(
                status=answer.status,
                body=data,
                elapsed_ms=int((time.monotonic() - started) * 1000),
                headers={key.lower(): value for key, value in answer.getheaders()},
            )
        except (OSError, http.client.HTTPException) as exc:
            last_error = exc
            if not isinstance(exc, (ConnectionRefusedError, socket.gaierror)) or time.monotonic() - started > timeout:
                break
        finally:
            conn.close()
    raise OutboundError(f"{type(last_error).__name__}: {last_error}" if last_error else "no address answered")

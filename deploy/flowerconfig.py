"""Flower settings for the compose stack: ``celery -A cotai flower --conf=deploy/flowerconfig.py``.

Flower shows task arguments and can revoke tasks, so it never starts without a password: the
credentials (``user:password``, one pair a line) come from the file named by
``FLOWER_BASIC_AUTH_FILE`` (a compose secret) or from ``FLOWER_BASIC_AUTH``; with neither,
loading this file fails and Flower does not start. It is served behind nginx under /flower/.
"""

import os
from pathlib import Path


def _credentials() -> list[str]:
    path = os.environ.get("FLOWER_BASIC_AUTH_FILE")
    raw = Path(path).read_text() if path else os.environ.get("FLOWER_BASIC_AUTH", "")
    pairs = [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]
    for pair in pairs:
        user, _, password = pair.partition(":")
        if not user or len(password) < 12:
            raise SystemExit("Flower basic auth needs user:password pairs with passwords of 12 characters or more.")
    if not pairs:
        raise SystemExit(
            "Flower needs FLOWER_BASIC_AUTH_FILE (or FLOWER_BASIC_AUTH): it never runs without a password."
        )
    return pairs


basic_auth = _credentials()
address = os.environ.get("FLOWER_ADDRESS", "0.0.0.0")  # noqa: S104 - inside the container network, behind nginx
port = int(os.environ.get("FLOWER_PORT", "5555"))
url_prefix = "flower"
# Trust nginx's X-Forwarded-* / X-Real-IP for the client address in Flower's own logs.
xheaders = True
# Workers that stopped (scaled down, replaced) drop off the dashboard after an hour.
purge_offline_workers = 3600

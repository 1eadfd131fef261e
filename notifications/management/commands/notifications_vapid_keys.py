"""Print a new VAPID key pair for Web Push, in the form the settings read."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid
from py_vapid.utils import b64urlencode


class Command(BaseCommand):
    help = "Generate a VAPID key pair: put the private key in NOTIFICATIONS_VAPID_PRIVATE_KEY (a secret)."

    def handle(self, *args: object, **options: object) -> None:
        vapid = Vapid()
        vapid.generate_keys()
        number = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        public = vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"NOTIFICATIONS_VAPID_PRIVATE_KEY={b64urlencode(number)}\n")
        self.stdout.write(f"# public key (derived by the server; browsers subscribe with it): {b64urlencode(public)}\n")

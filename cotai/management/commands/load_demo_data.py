"""Load the demo data of every domain (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cotai import demo


class Command(BaseCommand):
    help = "Load demo companies, users and tenders so a fresh install shows a living marketplace. Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            loaded = demo.load_all()
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {', '.join(loaded)}."))
        else:
            self.stdout.write("No domain has demo data yet.")

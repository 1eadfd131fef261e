"""Subscriber registration: stable names, autodiscovery, refused shapes."""

from __future__ import annotations

import sys

import pytest
from django.apps import apps

from cotai import events
from cotai.events.core import SubscriberRegistry
from cotai.events.tests import handlers


def test_events_app_imports_the_subscribers_module_of_every_app_when_django_starts(monkeypatch):
    monkeypatch.setattr(events.registry, "_subscribers", {})
    monkeypatch.delitem(sys.modules, "cotai.events.subscribers")  # as in a process that never imported it

    apps.get_app_config("events").ready()

    assert "cotai.events.subscribers.record_in_event_store" in [entry.name for entry in events.registry.all()]


def test_subscriber_is_registered_by_module_and_qualified_name():
    registry = SubscriberRegistry()
    entry = registry.register(handlers.on_tender_published, ("tender.published", "tender.amended"))
    assert entry.name == "cotai.events.tests.handlers.on_tender_published"
    assert registry.get(entry.name) is entry
    assert [e.name for e in registry.matching("tender.amended")] == [entry.name]
    assert registry.matching("tender.closed") == []


def test_registering_the_same_function_again_keeps_one_subscriber():
    registry = SubscriberRegistry()
    registry.register(handlers.on_everything, ("*",))
    registry.register(handlers.on_everything, ("*",))
    assert len(registry.matching("quote.submitted")) == 1


def test_nested_functions_and_lambdas_are_refused_because_workers_cannot_find_them():
    registry = SubscriberRegistry()

    def nested(event):
        pass

    with pytest.raises(ValueError, match="module-level"):
        registry.register(nested, ("tender.published",))
    with pytest.raises(ValueError, match="module-level"):
        registry.register(lambda event: None, ("tender.published",))


@pytest.mark.parametrize(
    ("names", "message"),
    [((), "at least one event"), (("Tender.Published",), "Invalid domain event name"), (("tender",), "Invalid")],
)
def test_subscriber_must_name_valid_events(names, message):
    with pytest.raises(ValueError, match=message):
        SubscriberRegistry().register(handlers.on_everything, names)


def test_decorator_registers_and_returns_the_function(monkeypatch):
    fresh = SubscriberRegistry()
    monkeypatch.setattr("cotai.events.core.registry", fresh)
    assert events.subscriber("tender.closed", "tender.cancelled")(handlers.on_everything) is handlers.on_everything
    assert [entry.name for entry in fresh.matching("tender.cancelled")] == ["cotai.events.tests.handlers.on_everything"]

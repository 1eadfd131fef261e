"""Business counters declared through cotai.metrics are exported at /metrics, once."""

from __future__ import annotations

import importlib
import uuid

import pytest

from cotai import metrics

pytestmark = pytest.mark.django_db


def test_counter_declared_through_cotai_metrics_appears_in_the_metrics_endpoint(client):
    counter = metrics.counter("cotai_test_widgets_published_total", "Widgets published (test)", ["company_kind"])
    kind = f"kind-{uuid.uuid4().hex[:8]}"
    counter.labels(company_kind=kind).inc(3)

    response = client.get("/metrics")

    assert response.status_code == 200
    body = response.content.decode()
    assert "# TYPE cotai_test_widgets_published_total counter" in body
    assert f'cotai_test_widgets_published_total{{company_kind="{kind}"}} 3.0' in body
    # The dispatcher's own counters are declared the same way.
    assert "# TYPE cotai_domain_events_emitted_total counter" in body
    assert "# TYPE cotai_domain_event_deliveries_total counter" in body


def test_declaring_a_counter_again_returns_the_same_one_even_after_a_reimport():
    first = metrics.counter("cotai_test_reimported_total", "Declared twice (test)", ["outcome"])
    assert metrics.counter("cotai_test_reimported_total", "Declared twice (test)", ["outcome"]) is first
    importlib.reload(metrics)  # what the autoreloader or a second import path does: the cache is gone
    assert metrics.counter("cotai_test_reimported_total", "Declared twice (test)", ["outcome"]) is first


def test_declaring_a_counter_again_with_other_labels_is_an_error():
    metrics.counter("cotai_test_labelled_total", "Labelled (test)", ["kind"])
    with pytest.raises(ValueError, match="already exists with labels"):
        metrics.counter("cotai_test_labelled_total", "Labelled (test)", ["status"])


@pytest.mark.parametrize("name", ["tenders_published_total", "cotai_tenders_published", "cotai_Tenders_total"])
def test_counter_names_follow_the_house_convention(name):
    with pytest.raises(ValueError, match="cotai_<what>_total"):
        metrics.counter(name, "Badly named (test)")

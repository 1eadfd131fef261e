"""The template sandbox: only whitelisted variables, refused on save with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from notifications import catalog, templating
from notifications.models import NotificationTemplate


def test_placeholders_are_replaced_from_a_nested_dict():
    text = "Tender {{ tender.number }}: {{tender.title}} for {{ recipient.name }}"
    context = {"tender": {"number": "ACME-2026-0001", "title": "Rebar"}, "recipient": {"name": "Ana"}}
    assert templating.render(text, context) == "Tender ACME-2026-0001: Rebar for Ana"


def test_times_are_shown_in_the_recipients_time_zone():
    moment = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
    rendered = templating.render(
        "Until {{ tender.submission_deadline }}",
        {"tender": {"submission_deadline": moment}},
        time_zone="America/Sao_Paulo",
    )
    assert rendered == "Until 2026-05-04 12:00 (-03)"


def test_html_rendering_escapes_values():
    rendered = templating.render("{{ clarification.question }}", {"clarification": {"question": "<b>x</b>"}}, html=True)
    assert rendered == "&lt;b&gt;x&lt;/b&gt;"


def test_an_object_in_the_context_exposes_nothing_but_its_text():
    class Secret:
        password = "hunter2"

        def __str__(self) -> str:
            return "visible"

    assert templating.render("{{ thing.password }}", {"thing": Secret()}) == ""
    assert templating.render("{{ thing }}", {"thing": Secret()}) == "visible"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ tender.price }}", "{{ tender.price }}, which this event does not provide"),
        ("{% if tender %}x{% endif %}", "invalid syntax"),
        ("{{ tender.title|upper }}", "invalid syntax"),
        ("{{ tender.title", "invalid syntax"),
        ("{{ tender.__class__ }}", "does not provide"),
    ],
)
def test_unknown_variables_and_anything_but_placeholders_are_refused(text, message):
    with pytest.raises(templating.TemplateSyntaxError) as error:
        templating.validate(text, catalog.get("tender.published").all_variables, field="body")
    assert message in str(error.value)


def test_the_refusal_lists_the_available_variables():
    with pytest.raises(templating.TemplateSyntaxError) as error:
        templating.validate("{{ nope }}", {"tender.title", "link"})
    assert "Available variables: link, tender.title." in str(error.value)


@pytest.mark.django_db
def test_a_template_with_an_unknown_variable_cannot_be_saved():
    template = NotificationTemplate(
        event_type="quote.received",
        channel="email",
        language="pt-br",
        subject="Nova proposta",
        body="Preço: {{ quote.total }}",
    )
    with pytest.raises(ValidationError) as error:
        template.save()
    assert "quote.total" in str(error.value.message_dict["body"])
    assert not NotificationTemplate.objects.filter(language="pt-br").exists()


@pytest.mark.django_db
def test_every_built_in_text_is_valid_for_its_type():
    for name, spec in catalog.TYPES.items():
        for channel in ("in_app", "email", "sms", "push"):
            subject, body = spec.default_text(channel)
            templating.validate(subject, spec.all_variables)
            templating.validate(body, spec.all_variables)
            NotificationTemplate(event_type=name, channel=channel, language="es", subject=subject, body=body).clean()


@pytest.mark.django_db
def test_default_templates_are_written_after_migrate():
    # post_migrate wrote them when the test database was created.
    assert NotificationTemplate.objects.filter(language="en").count() == len(catalog.TYPES) * 4

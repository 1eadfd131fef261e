"""Every kind of notification CotAi sends: its variables, default channels and default texts.

A *notification type* is what a person receives and chooses channels for. Most are named after the
domain event that causes them (``tender.published``); a few events become different types for
different audiences, so that each text says only what its readers may know — ``quote.submitted``
gives the supplier its receipt, while the buyer receives ``quote.received``, which names no price
and no supplier (DESIGN rule 2).

Each type lists the variables its templates may use. The code that builds a notification fills
exactly these (plus the common ones), from values it chose to reveal; templates are validated
against the list when they are saved (:mod:`notifications.templating`).

The default texts below are written to the ``NotificationTemplate`` table when the database is
migrated (English); staff edit them, or add other languages, in the back office.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notifications.choices import Channel, Priority

# Variables every notification provides.
COMMON_VARIABLES = frozenset(
    {"recipient.name", "recipient.email", "company.name", "site.name", "site.url", "link", "event.occurred_at"}
)
TENDER_VARIABLES = frozenset(
    {
        "tender.id",
        "tender.number",
        "tender.title",
        "tender.buyer",
        "tender.clarification_deadline",
        "tender.submission_deadline",
        "tender.opening_at",
    }
)
DEFAULT_CHANNELS = frozenset({Channel.IN_APP, Channel.EMAIL, Channel.PUSH})
GREETING = "Hello {{ recipient.name }},\n\n"


@dataclass(frozen=True)
class NotificationType:
    """One kind of notification.

    ``mandatory``: a security notice; in-app and email cannot be switched off and it is never
    digested. ``webhook``: companies can subscribe endpoints to it (personal notices cannot).
    ``subject``/``body``: the default texts; ``sms``: a shorter default body for SMS and push.
    """

    name: str
    label: str
    description: str
    subject: str
    body: str
    sms: str = ""
    variables: frozenset[str] = frozenset()
    default_channels: frozenset[str] = DEFAULT_CHANNELS
    priority: str = Priority.NORMAL
    mandatory: bool = False
    webhook: bool = True
    group: str = "Tenders"
    extra: dict = field(default_factory=dict)

    @property
    def all_variables(self) -> frozenset[str]:
        return COMMON_VARIABLES | self.variables

    def default_text(self, channel: str) -> tuple[str, str]:
        """(subject, body) of the built-in template for ``channel``."""
        if channel in (Channel.SMS, Channel.PUSH) and self.sms:
            return self.subject, self.sms
        if channel in (Channel.IN_APP, Channel.PUSH):
            # The bell is the link and needs no greeting.
            return self.subject, self.body.replace(GREETING, "").replace("\n\n{{ link }}", "").strip()
        return self.subject, self.body


def _t(name: str, **kwargs) -> NotificationType:
    return NotificationType(name=name, **kwargs)


TYPES: dict[str, NotificationType] = {
    spec.name: spec
    for spec in [
        _t(
            "tender.published",
            label="New tender for you",
            description="A tender you were invited to, or one in your categories, was published.",
            subject="New tender {{ tender.number }}: {{ tender.title }}",
            body=(
                "Hello {{ recipient.name }},\n\n{{ tender.buyer }} published the tender {{ tender.number }} "
                "“{{ tender.title }}”. {{ tender.invitation_note }}\n\nQuestions until: "
                "{{ tender.clarification_deadline }}\nQuotes until: {{ tender.submission_deadline }}\n\n{{ link }}"
            ),
            sms=(
                "New tender {{ tender.number }} from {{ tender.buyer }}; quotes until {{ tender.submission_deadline }}."
            ),
            variables=TENDER_VARIABLES | {"tender.invited", "tender.invitation_note"},
        ),
        _t(
            "tender.invited",
            label="Invitation to a tender",
            description="Your company was invited to a tender that is already published.",
            subject="You are invited to tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\n{{ tender.buyer }} invited {{ company.name }} to quote for "
                "{{ tender.number }} “{{ tender.title }}”.\n\nQuotes until: {{ tender.submission_deadline }}"
                "\n\n{{ link }}"
            ),
            sms=(
                "{{ tender.buyer }} invited you to tender {{ tender.number }}; "
                "quotes until {{ tender.submission_deadline }}."
            ),
            variables=TENDER_VARIABLES,
        ),
        _t(
            "tender.amended",
            label="Tender amended",
            description="A tender you take part in was changed.",
            subject="Tender {{ tender.number }} was amended (version {{ amendment.version }})",
            body=(
                "Hello {{ recipient.name }},\n\nThe tender {{ tender.number }} “{{ tender.title }}” was amended "
                "(version {{ amendment.version }}).\nReason: {{ amendment.reason }}\n{{ amendment.action_note }}\n\n"
                "Quotes until: {{ tender.submission_deadline }}\n\n{{ link }}"
            ),
            sms="Tender {{ tender.number }} was amended. {{ amendment.action_note }}",
            variables=TENDER_VARIABLES
            | {"amendment.version", "amendment.material", "amendment.reason", "amendment.action_note"},
            priority=Priority.HIGH,
        ),
        _t(
            "tender.cancelled",
            label="Tender cancelled",
            description="A tender you take part in was cancelled.",
            subject="Tender {{ tender.number }} was cancelled",
            body=(
                "Hello {{ recipient.name }},\n\nThe tender {{ tender.number }} “{{ tender.title }}” was cancelled "
                "by {{ tender.buyer }}.\nReason: {{ cancellation.reason }}\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"cancellation.reason"},
            priority=Priority.HIGH,
        ),
        _t(
            "tender.closed",
            label="Submissions closed",
            description="The submission deadline of a tender you take part in passed.",
            subject="Tender {{ tender.number }} is closed for quotes",
            body=(
                "Hello {{ recipient.name }},\n\nThe submission deadline of {{ tender.number }} “{{ tender.title }}” "
                "has passed; no more quotes are accepted. {{ quotes.summary }}\nQuotes will be opened at "
                "{{ tender.opening_at }}.\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"quotes.summary"},
            default_channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
        ),
        _t(
            "tender.unsuccessful",
            label="Tender unsuccessful",
            description="A tender you take part in ended without an award.",
            subject="Tender {{ tender.number }} ended without an award",
            body=(
                "Hello {{ recipient.name }},\n\nThe tender {{ tender.number }} “{{ tender.title }}” ended without "
                "an award.\nReason: {{ outcome.reason }}\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"outcome.reason"},
        ),
        _t(
            "clarification.asked",
            label="Question from a supplier",
            description="A supplier asked a question about one of your tenders.",
            subject="New question on tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\nA supplier asked a question about {{ tender.number }} "
                "“{{ tender.title }}”:\n\n{{ clarification.question }}\n\nAnswer it before "
                "{{ tender.clarification_deadline }}: {{ link }}"
            ),
            variables=TENDER_VARIABLES | {"clarification.id", "clarification.question"},
        ),
        _t(
            "clarification.answered",
            label="Question answered",
            description="The buyer answered a question about a tender you take part in.",
            subject="Question answered on tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\n{{ tender.buyer }} answered a question about {{ tender.number }} "
                "“{{ tender.title }}”.\n\nQuestion: {{ clarification.question }}\nAnswer: {{ clarification.answer }}"
                "\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"clarification.id", "clarification.question", "clarification.answer"},
        ),
        _t(
            "quote.submitted",
            label="Your quote was received",
            description="The receipt of a quote your company submitted.",
            subject="Quote received for tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\nThe quote of {{ company.name }} for {{ tender.number }} "
                "“{{ tender.title }}” was received at {{ quote.submitted_at }} (revision {{ quote.revision }}).\n\n"
                "Receipt (SHA-256 of its content): {{ quote.receipt_sha256 }}\n\nKeep it: it proves what you "
                "submitted and when.\n\n{{ link }}"
            ),
            sms="Quote for {{ tender.number }} received. Receipt {{ quote.receipt_sha256 }}",
            variables=TENDER_VARIABLES | {"quote.id", "quote.revision", "quote.submitted_at", "quote.receipt_sha256"},
            group="Quotes",
        ),
        _t(
            "quote.received",
            label="A quote arrived",
            description="A supplier submitted a quote to one of your tenders (it stays sealed until opening).",
            subject="A quote arrived for tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\nA quote arrived for {{ tender.number }} “{{ tender.title }}”. "
                "{{ quotes.summary }}\nQuotes stay sealed until {{ tender.opening_at }}.\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"quotes.count", "quotes.summary"},
            default_channels=frozenset({Channel.IN_APP}),
            group="Quotes",
        ),
        _t(
            "quote.withdrawn",
            label="Your quote was withdrawn",
            description="A quote of your company was withdrawn.",
            subject="Quote withdrawn from tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\nThe quote of {{ company.name }} for {{ tender.number }} "
                "“{{ tender.title }}” was withdrawn. You can submit a new one until "
                "{{ tender.submission_deadline }}.\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"quote.id"},
            group="Quotes",
        ),
        _t(
            "quotes.opened",
            label="Quotes opened",
            description="The quotes of a tender you take part in were opened.",
            subject="Quotes of tender {{ tender.number }} were opened",
            body=(
                "Hello {{ recipient.name }},\n\nThe quotes of {{ tender.number }} “{{ tender.title }}” were opened "
                "at {{ opening.opened_at }}. {{ quotes.summary }}\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"opening.opened_at", "quotes.count", "quotes.summary"},
            group="Quotes",
        ),
        _t(
            "award.won",
            label="You won",
            description="Your company's quote won a tender (or some of its items).",
            subject="You won tender {{ tender.number }}",
            body=(
                "Hello {{ recipient.name }},\n\n{{ tender.buyer }} awarded {{ award.scope }} of {{ tender.number }} "
                "“{{ tender.title }}” to {{ company.name }}.\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"award.scope"},
            priority=Priority.HIGH,
            group="Quotes",
        ),
        _t(
            "award.made",
            label="Tender awarded",
            description="A tender you take part in was awarded.",
            subject="Tender {{ tender.number }} was awarded",
            body=(
                "Hello {{ recipient.name }},\n\nThe tender {{ tender.number }} “{{ tender.title }}” was awarded. "
                "{{ award.note }}\n\n{{ link }}"
            ),
            variables=TENDER_VARIABLES | {"award.note"},
            group="Quotes",
        ),
        _t(
            "deadline.approaching",
            label="Deadline approaching",
            description="A deadline of a tender you take part in is near.",
            subject="{{ deadline.label }} of tender {{ tender.number }}: {{ deadline.at }}",
            body=(
                "Hello {{ recipient.name }},\n\nThe {{ deadline.label }} of {{ tender.number }} “{{ tender.title }}” "
                "is {{ deadline.at }}.\n\n{{ link }}"
            ),
            sms="{{ deadline.label }} of {{ tender.number }}: {{ deadline.at }}",
            variables=TENDER_VARIABLES | {"deadline.kind", "deadline.label", "deadline.at"},
            priority=Priority.HIGH,
        ),
        _t(
            "calendar.reminder",
            label="Calendar reminder",
            description="A reminder you set on an event of your calendar.",
            subject="Reminder: {{ reminder.title }} at {{ reminder.at }}",
            body=(
                "Hello {{ recipient.name }},\n\nThis is your reminder: {{ reminder.title }}, at {{ reminder.at }}."
                "\n\n{{ link }}"
            ),
            sms="Reminder: {{ reminder.title }} at {{ reminder.at }}",
            variables=frozenset({"reminder.title", "reminder.at", "reminder.minutes_before"}),
            webhook=False,
            group="Calendar",
        ),
        _t(
            "member.invited",
            label="Invitation to a company",
            description="Someone invited you to join a company on CotAi.",
            subject="You are invited to join {{ invitation.company }}",
            body=(
                "Hello {{ recipient.name }},\n\nYou were invited to join {{ invitation.company }} on CotAi as "
                "{{ invitation.role }}. The invitation was sent to {{ recipient.email }}; open its link to accept.\n\n"
                "{{ link }}"
            ),
            variables=frozenset({"invitation.company", "invitation.role"}),
            default_channels=frozenset({Channel.IN_APP}),
            webhook=False,
            group="Account",
        ),
        _t(
            "webhook.endpoint_disabled",
            label="Webhook endpoint disabled",
            description="A webhook endpoint of your company kept failing and was disabled.",
            subject="Webhook endpoint disabled: {{ endpoint.url }}",
            body=(
                "Hello {{ recipient.name }},\n\nThe webhook endpoint {{ endpoint.url }} of {{ company.name }} failed "
                "every delivery since {{ endpoint.failing_since }} ({{ endpoint.failures }} attempts in a row) and "
                "was disabled. Last error: {{ endpoint.last_error }}\n\nFix the receiver, then enable the endpoint "
                "again: {{ link }}"
            ),
            variables=frozenset(
                {"endpoint.id", "endpoint.url", "endpoint.failing_since", "endpoint.failures", "endpoint.last_error"}
            ),
            default_channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
            priority=Priority.HIGH,
            webhook=False,
            group="Company",
        ),
        _t(
            "auth.password_changed",
            label="Password changed",
            description="The password of your account was changed.",
            subject="Your CotAi password was changed",
            body=(
                "Hello {{ recipient.name }},\n\nThe password of your CotAi account {{ recipient.email }} was changed "
                "at {{ event.occurred_at }}. If it was not you, reset your password now and review your sessions: "
                "{{ link }}"
            ),
            default_channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
            priority=Priority.URGENT,
            mandatory=True,
            webhook=False,
            group="Security",
        ),
        _t(
            "auth.mfa_enabled",
            label="Two-factor authentication turned on",
            description="Two-factor authentication was turned on for your account.",
            subject="Two-factor authentication is now on",
            body=(
                "Hello {{ recipient.name }},\n\nTwo-factor authentication was turned on for {{ recipient.email }} at "
                "{{ event.occurred_at }}. If it was not you, contact your administrator now: {{ link }}"
            ),
            default_channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
            priority=Priority.URGENT,
            mandatory=True,
            webhook=False,
            group="Security",
        ),
        _t(
            "auth.mfa_disabled",
            label="Two-factor authentication turned off",
            description="Two-factor authentication was turned off for your account.",
            subject="Two-factor authentication was turned off",
            body=(
                "Hello {{ recipient.name }},\n\nTwo-factor authentication was turned off for {{ recipient.email }} at "
                "{{ event.occurred_at }}. If it was not you, secure your account now: {{ link }}"
            ),
            default_channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
            priority=Priority.URGENT,
            mandatory=True,
            webhook=False,
            group="Security",
        ),
    ]
}

# Types companies can point webhook endpoints at, and the test event ('send test event').
WEBHOOK_TEST_TYPE = "webhook.test"
WEBHOOK_TYPES = tuple(name for name, spec in TYPES.items() if spec.webhook)


# Named choice lists for the API schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
TYPE_CHOICES = [(name, spec.label) for name, spec in TYPES.items()]
WEBHOOK_TYPE_CHOICES = [(name, TYPES[name].label) for name in WEBHOOK_TYPES]


def get(name: str) -> NotificationType:
    """The type called ``name``; KeyError for an unknown one (a programming error)."""
    return TYPES[name]


def choices() -> list[tuple[str, str]]:
    return [(name, spec.label) for name, spec in TYPES.items()]


def webhook_choices() -> list[tuple[str, str]]:
    return [(name, TYPES[name].label) for name in WEBHOOK_TYPES]

"""Factories of the notifications domain."""

from __future__ import annotations

import uuid

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import signing
from notifications.choices import Channel, DeliveryStatus, Platform, WebhookDeliveryStatus
from notifications.models import DeviceToken, Notification, NotificationDelivery, WebhookDelivery, WebhookEndpoint


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    event_type = "tender.published"
    event_id = factory.LazyFunction(uuid.uuid4)
    title = factory.Sequence(lambda n: f"New tender T-{n}")
    body = "A tender you may quote for was published."
    link = "/tenders/1/"
    context = factory.LazyFunction(lambda: {"tender": {"number": "T-1", "title": "Steel rebar"}})


class NotificationDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationDelivery

    notification = factory.SubFactory(NotificationFactory)
    channel = Channel.EMAIL
    status = DeliveryStatus.QUEUED
    next_attempt_at = factory.LazyFunction(timezone.now)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    url = "https://hooks.example.com/cotai"
    event_types = factory.LazyFunction(lambda: ["tender.published"])
    secret = factory.LazyFunction(signing.generate_secret)


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event_type = "tender.published"
    payload = factory.LazyFunction(lambda: {"type": "tender.published", "data": {"tender": {"id": 1}}})
    status = WebhookDeliveryStatus.PENDING
    next_attempt_at = factory.LazyFunction(timezone.now)


class DeviceTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceToken

    user = factory.SubFactory(UserFactory)
    platform = Platform.ANDROID
    token = factory.Sequence(lambda n: f"fcm-token-{n}")

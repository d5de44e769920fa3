"""Senders deliver outbox messages: one interface, chosen per channel or per kind of message.

A sender raises on failure; the delivery job then retries the message later.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from core.settings import Settings
from models.outbox import OutboxMessage

NOTIFICATIONS_LOGGER = "dangol.notifications"


class Sender(Protocol):
    async def send(self, message: OutboxMessage) -> None: ...


class LogSender:
    """Writes one JSON log line per message: the default until a real channel is configured."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(NOTIFICATIONS_LOGGER)

    async def send(self, message: OutboxMessage) -> None:
        record = {
            "message_id": message.id,
            "store_id": message.store_id,
            "customer_id": message.customer_id,
            "account_id": message.account_id,
            "kind": message.kind,
            "attempt": message.attempts,
            "payload": message.payload,
        }
        self.logger.info("notification %s", json.dumps(record, ensure_ascii=False, default=str))


@dataclass
class Senders:
    """Routes a message by ``payload["channel"]`` first, then by its kind, else to the default.

    Messages of a kind in ``in_order`` reach one store's receivers one after another, in the
    order they were due; the others are delivered side by side.
    """

    default: Sender = field(default_factory=LogSender)
    channels: dict[str, Sender] = field(default_factory=dict)
    kinds: dict[str, Sender] = field(default_factory=dict)
    in_order: set[str] = field(default_factory=set)

    def for_message(self, message: OutboxMessage) -> Sender:
        payload = message.payload if isinstance(message.payload, Mapping) else {}
        channel = payload.get("channel")
        if isinstance(channel, str) and channel in self.channels:
            return self.channels[channel]
        return self.kinds.get(message.kind, self.default)

    def register_channel(self, channel: str, sender: Sender, *, in_order: bool = False) -> None:
        """``in_order``: the channel's messages are of the kind of the same name."""
        self.channels[channel] = sender
        if in_order:
            self.in_order.add(channel)

    def register_kind(self, kind: str, sender: Sender) -> None:
        self.kinds[kind] = sender


def build_senders(settings: Settings) -> Senders:
    """The senders of this deployment; channels such as KakaoTalk or SMS register here."""
    return Senders()

"""Message providers: KakaoTalk Alimtalk and SMS behind one small interface.

``HttpMessageProvider`` speaks to an HTTP gateway (configured by ``DANGOL_MESSAGE_PROVIDER_URL``
and ``DANGOL_MESSAGE_PROVIDER_KEY``)::

    POST {base}/v1/messages         {"channel", "to", "text", "templateCode", "from", "reference"}
         -> 2xx {"messageId": "...", "status": "ACCEPTED"}
    POST {base}/v1/messages/status  {"messageIds": [...]}
         -> 2xx {"results": [{"messageId", "status", "code", "message"}]}
            (status: ACCEPTED, DELIVERED or FAILED)
    errors -> 4xx/5xx {"error": {"code": "...", "message": "..."}}

The key travels in ``Authorization: Bearer``; ``reference`` doubles as the
``Idempotency-Key`` header, so a retry after a lost answer is not a second message.
Each failure becomes a ``ProviderError`` that says whether trying again can help.
Neither the key nor the recipient's number appears in an error or a log line.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from core.settings import Settings

logger = logging.getLogger("dangol.messaging")

# Codes after which the same message may go through later: load, limits, configuration.
RETRYABLE_CODES = frozenset(
    {
        "RATE_LIMITED",
        "TEMPORARILY_UNAVAILABLE",
        "INSUFFICIENT_BALANCE",
        "UNAUTHORIZED",
        "TIMEOUT",
        "NETWORK_ERROR",
        "PROVIDER_UNAVAILABLE",
    }
)
# Codes that will not change by trying again: the recipient or the message is the problem.
FINAL_CODES = frozenset(
    {
        "INVALID_RECIPIENT",
        "NOT_KAKAO_USER",
        "BLOCKED_BY_RECIPIENT",
        "TEMPLATE_NOT_APPROVED",
        "TEMPLATE_MISMATCH",
        "MESSAGE_TOO_LONG",
        "INVALID_REQUEST",
    }
)
MAX_REASON = 300


class ProviderError(Exception):
    """A message the provider did not take; ``retryable`` says whether a later try may work."""

    def __init__(self, code: str, reason: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str
    to: str = field(repr=False)
    text: str = field(repr=False)
    reference: str
    template_code: str | None = None


@dataclass(frozen=True)
class Accepted:
    provider_message_id: str


@dataclass(frozen=True)
class Report:
    provider_message_id: str
    status: str  # ACCEPTED (no news yet), DELIVERED or FAILED
    reason: str | None = None


class MessageProvider(Protocol):
    async def send(self, message: OutgoingMessage) -> Accepted: ...

    async def reports(self, provider_message_ids: list[str]) -> list[Report]: ...

    async def close(self) -> None: ...


def classify(status_code: int, code: str | None) -> bool:
    """Whether a failure answered with ``status_code`` and the provider's ``code`` is retryable."""
    if code in RETRYABLE_CODES:
        return True
    if code in FINAL_CODES:
        return False
    return status_code == 429 or status_code >= 500


def _scrub(text: str, *secrets: str) -> str:
    """The provider's words without the recipient's number or our key, cut to a sane length."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            digits = re.sub(r"\D", "", secret)
            if len(digits) >= 8:
                text = text.replace(digits, "***")
    return text[:MAX_REASON]


class HttpMessageProvider:
    """A provider gateway over HTTP, with timeouts and the error codes mapped to retry or not."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = 5.0,
        sms_sender: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._sms_sender = sms_sender
        self._timeout = httpx.Timeout(timeout_seconds)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"HttpMessageProvider({self._base_url!r})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self._base_url,
                timeout=self._timeout,
                headers={"authorization": f"Bearer {self._api_key}"},
                follow_redirects=False,
                transport=self._transport,
            )
        return self._client

    async def _post(
        self, path: str, body: dict[str, Any], *, to: str = "", reference: str | None = None
    ) -> dict[str, Any]:
        headers = {"idempotency-key": reference} if reference else {}
        try:
            response = await self._http().post(path, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise ProviderError("TIMEOUT", type(exc).__name__, retryable=True) from None
        except httpx.TransportError as exc:
            raise ProviderError("NETWORK_ERROR", type(exc).__name__, retryable=True) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if response.is_success:
            return answer
        found = answer.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        code = str(error.get("code") or f"HTTP_{response.status_code}")
        reason = _scrub(str(error.get("message") or response.reason_phrase), to, self._api_key)
        raise ProviderError(code, reason, retryable=classify(response.status_code, code))

    async def send(self, message: OutgoingMessage) -> Accepted:
        body = {
            "channel": message.channel,
            "to": message.to,
            "text": message.text,
            "templateCode": message.template_code,
            "from": self._sms_sender or None,
            "reference": message.reference,
        }
        answer = await self._post("/v1/messages", body, to=message.to, reference=message.reference)
        message_id = answer.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise ProviderError(
                "INVALID_ANSWER", "the provider answered without a message id", retryable=True
            )
        return Accepted(provider_message_id=message_id)

    async def reports(self, provider_message_ids: list[str]) -> list[Report]:
        if not provider_message_ids:
            return []
        answer = await self._post("/v1/messages/status", {"messageIds": provider_message_ids})
        found = []
        for item in answer.get("results") or []:
            if isinstance(item, dict) and isinstance(item.get("messageId"), str):
                reason = item.get("code") and f"{item.get('code')}: {item.get('message') or ''}"
                found.append(
                    Report(
                        provider_message_id=item["messageId"],
                        status=str(item.get("status") or "ACCEPTED"),
                        reason=_scrub(reason, self._api_key) if reason else None,
                    )
                )
        return found

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class LoggingProvider:
    """Takes every message and logs that it did (never its text or number): the default."""

    async def send(self, message: OutgoingMessage) -> Accepted:
        logger.info(
            "message %s accepted on %s (logging provider)", message.reference, message.channel
        )
        return Accepted(provider_message_id=f"log-{uuid.uuid4().hex}")

    async def reports(self, provider_message_ids: list[str]) -> list[Report]:
        return [Report(provider_message_id=pk, status="DELIVERED") for pk in provider_message_ids]

    async def close(self) -> None:
        return None


def provider_for(settings: Settings) -> MessageProvider:
    """The configured gateway, or the logging provider when none is configured."""
    if not settings.message_provider_url:
        return LoggingProvider()
    return HttpMessageProvider(
        settings.message_provider_url,
        settings.message_provider_key,
        timeout_seconds=settings.message_provider_timeout_seconds,
        sms_sender=settings.message_sms_sender,
    )

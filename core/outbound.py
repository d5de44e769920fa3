"""Requests to partners' URLs (webhooks), made safely, and the signature they carry.

* Only ``http`` and ``https``, no credentials in the URL, and no redirect is followed.
* The host is resolved here and the request goes to the address checked (the
  ``Host`` header and TLS name stay the URL's), so a name that resolves to a private,
  loopback, link-local or otherwise reserved address is refused, and DNS cannot
  change its answer between the check and the connection. A setting allows such
  addresses (for tests and private deployments).
* Short timeouts, no proxy from the environment, and at most a few hundred bytes of
  the answer are read.

``Dangol-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` under the
endpoint's secret (the Stripe scheme): a receiver recomputes it over the raw body,
compares in constant time and refuses a ``t`` outside its tolerance (replays).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx

SIGNATURE_HEADER = "Dangol-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_URL_LENGTH = 2000
KEPT_BODY_CHARACTERS = 300
READ_BODY_BYTES = 1024
USER_AGENT = "Dangol-Webhooks/1"


class UnsafeUrl(ValueError):
    """The URL is not one we send to."""


def sign(secret: str, timestamp: int, body: str) -> str:
    """The ``Dangol-Signature`` header value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str,
    header: str,
    body: str,
    *,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: the signature matches and ``t`` is recent (constant-time compare)."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


def check_url(url: str, *, allow_private: bool) -> SplitResult:
    """The URL's parts if we may send to it as written (its name is checked again on sending)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"A URL has at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("This is not a URL.") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("Only http and https URLs are allowed.")
    if not parts.hostname:
        raise UnsafeUrl("The URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Credentials in the URL are not allowed; use the signature.")
    if port == 0:
        raise UnsafeUrl("The URL's port is not valid.")
    if not allow_private:
        host = parts.hostname.rstrip(".").lower()
        if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
            raise UnsafeUrl("Local addresses are not allowed.")
        literal = _ip(host)
        if literal is not None and not _public(literal):
            raise UnsafeUrl("Private, loopback and link-local addresses are not allowed.")
    return parts


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to; ``UnsafeUrl`` if any address of the name is not public."""
    literal = _ip(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise UnsafeUrl(f"The host {host} does not resolve.") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise UnsafeUrl(f"The host {host} does not resolve.")
    if not allow_private:
        for address in addresses:
            parsed = _ip(address)
            if parsed is None or not _public(parsed):
                raise UnsafeUrl(f"{host} resolves to a private or reserved address.")
    return addresses[0]


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Poster:
    """POSTs JSON to partners' URLs through one pooled client (made on first use)."""

    def __init__(self, *, timeout_seconds: float, allow_private: bool) -> None:
        self.timeout_seconds = timeout_seconds
        self.allow_private = allow_private
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                trust_env=False,
                timeout=httpx.Timeout(self.timeout_seconds, connect=min(self.timeout_seconds, 5)),
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post(self, url: str, body: str, headers: dict[str, str]) -> Answer:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._post(url, body, headers, started)
        except UnsafeUrl as refused:
            return Answer(None, None, str(refused), _since(started))
        except (TimeoutError, httpx.TimeoutException):
            return Answer(None, None, f"no answer within {self.timeout_seconds} s", _since(started))
        except httpx.HTTPError as exc:
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:300], _since(started))
        except OSError as exc:
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:300], _since(started))

    async def _post(self, url: str, body: str, headers: dict[str, str], started: float) -> Answer:
        parts = check_url(url, allow_private=self.allow_private)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = await resolve(host, port, allow_private=self.allow_private)
        shown = f"[{address}]" if ":" in address else address
        target = urlunsplit((parts.scheme, f"{shown}:{port}", parts.path or "/", parts.query, ""))
        request_headers = {
            **headers,
            "Host": parts.netloc.rpartition("@")[2],
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        request = self._http().build_request(
            "POST", target, content=body.encode(), headers=request_headers, extensions=extensions
        )
        response = await self._http().send(request, stream=True)
        try:
            taken = bytearray()
            async for chunk in response.aiter_bytes():
                taken += chunk
                if len(taken) >= READ_BODY_BYTES:
                    break
        finally:
            await response.aclose()
        text = bytes(taken[:READ_BODY_BYTES]).decode("utf-8", errors="replace")
        error = None
        if 300 <= response.status_code < 400:
            error = f"redirect to {response.headers.get('location', '?')[:200]} not followed"
        return Answer(
            response.status_code, text[:KEPT_BODY_CHARACTERS] or None, error, _since(started)
        )


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)

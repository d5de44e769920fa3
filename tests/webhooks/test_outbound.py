"""The signature scheme and the address checks, on their own."""

from __future__ import annotations

import time

import pytest

from core.outbound import UnsafeUrl, check_url, resolve, sign, verify

SECRET = "whsec_test"


def test_a_signature_verifies_only_for_its_body_secret_and_time() -> None:
    # given
    now = int(time.time())
    body = '{"id":"e1"}'
    header = sign(SECRET, now, body)
    # then
    assert header.startswith(f"t={now},v1=") and len(header.rpartition("v1=")[2]) == 64
    assert verify(SECRET, header, body)
    assert not verify(SECRET, header, body + " ")
    assert not verify("whsec_other", header, body)
    assert not verify(SECRET, sign(SECRET, now - 600, body), body)  # a replay, too old
    assert not verify(SECRET, "v1=abc", body)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8000/x",
        "http://printer.local/x",
        "http://10.0.0.1/x",
        "http://172.16.5.4/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/x",
        "http://0.0.0.0/x",
        "http://[::1]/x",
        "http://[fe80::1]/x",
        "http://[fc00::1]/x",
        "http://[::ffff:10.0.0.1]/x",
        "http://224.0.0.1/x",
        "gopher://partner.example/x",
        "file:///etc/passwd",
        "https://a:b@partner.example/x",
    ],
)
def test_unsafe_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_private=False)


def test_public_urls_pass_and_private_ones_pass_when_allowed() -> None:
    assert check_url("https://partner.example:8443/hooks?x=1", allow_private=False).port == 8443
    assert check_url("http://8.8.8.8/hooks", allow_private=False).hostname == "8.8.8.8"
    assert check_url("http://127.0.0.1:9000/hook", allow_private=True).port == 9000


async def test_a_name_that_resolves_to_a_private_address_is_refused() -> None:
    with pytest.raises(UnsafeUrl):
        await resolve("localhost", 80, allow_private=False)
    assert await resolve("localhost", 80, allow_private=True) in ("127.0.0.1", "::1")

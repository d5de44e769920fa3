"""Access tokens: a signature is checked once per process, the expiry on every use."""

from __future__ import annotations

import time
import uuid

import pytest

from core import security
from core.security import AccessTokens, InvalidAccessToken
from core.settings import Settings
from tests.conftest import with_settings


def test_a_token_checked_before_is_refused_once_it_expires(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a token of a minute, verified once
    tokens = AccessTokens(with_settings(settings, access_token_seconds=60))
    session = uuid.uuid4()
    token = tokens.issue(7, session)
    assert tokens.verify(token) == security.AccessClaims(7, session)
    # when its minute has passed
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    # then the same token is refused, though its signature was checked before
    with pytest.raises(InvalidAccessToken):
        tokens.verify(token)


def test_a_token_signed_with_another_secret_is_refused_even_after_a_good_one(
    settings: Settings,
) -> None:
    # given a good token verified, and one of the same claims under another secret
    ours = AccessTokens(settings)
    theirs = AccessTokens(with_settings(settings, jwt_secret="x" * 40))
    session = uuid.uuid4()
    ours.verify(ours.issue(7, session))
    # then
    with pytest.raises(InvalidAccessToken):
        ours.verify(theirs.issue(7, session))

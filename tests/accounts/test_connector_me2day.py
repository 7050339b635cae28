"""me2day closed in 2014: its connector refuses everything, with the reason in Korean."""

from types import SimpleNamespace

import pytest

from accounts.connectors import get_connector
from accounts.connectors.base import Code, PermanentError
from accounts.connectors.me2day import CLOSED_REASON, Me2dayConnector

ACCOUNT = SimpleNamespace(platform="me2day", handle="seoulcity", platform_user_id="", credentials={"k": "v"})


@pytest.mark.parametrize("call", [
    lambda c: c.fetch(ACCOUNT, ""),
    lambda c: c.reply(ACCOUNT, "1", "답변"),
    lambda c: c.post(ACCOUNT, "공지"),
    lambda c: c.find_reply(ACCOUNT, "1", "답변"),
])
def test_every_method_raises_permanent_error_saying_the_platform_closed(call):
    with pytest.raises(PermanentError) as exc:
        call(Me2dayConnector())
    assert exc.value.code == Code.PLATFORM_CLOSED and "2014" in str(exc.value)


def test_get_connector_refuses_me2day_even_when_simulating(settings):
    settings.SMC_SIMULATE = True
    for credentials in ({}, {"token": "x"}):
        with pytest.raises(PermanentError) as exc:
            get_connector(SimpleNamespace(platform="me2day", handle="h", platform_user_id="", credentials=credentials))
        assert exc.value.code == Code.PLATFORM_CLOSED and str(exc.value) == str(CLOSED_REASON)

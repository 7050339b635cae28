"""Platform connectors: one module per platform behind the interface in base.py.

`get_connector(account)` picks the module for an account; `split_reply(platform, text)` tells the
parts a reply will be posted as (the staff screen previews them, `reply()` posts them).
"""

from django.conf import settings

from .base import Batch, Connector, InboundItem, PermanentError
from .text import split_reply

__all__ = ["Batch", "Connector", "InboundItem", "get_connector", "split_reply"]

# Platforms a simulator may stand in for (the ones that are polled).
SIMULATED_PLATFORMS = {"x", "facebook"}


def _has_credentials(account) -> bool:
    flag = getattr(account, "has_credentials", None)
    if flag is not None:
        return bool(flag)
    return bool(getattr(account, "credentials", None))


def get_connector(account) -> Connector:
    platform = account.platform
    if platform == "me2day":
        from .me2day import CLOSED_REASON

        raise PermanentError(CLOSED_REASON)
    if (
        platform in SIMULATED_PLATFORMS
        and not _has_credentials(account)
        and getattr(settings, "SMC_SIMULATE", False)
    ):
        from .simulator import SimulatorConnector

        return SimulatorConnector()
    if platform == "x":
        from .x import XConnector

        return XConnector()
    if platform == "facebook":
        from .facebook import FacebookConnector

        return FacebookConnector()
    raise PermanentError(f"수집·게시를 지원하지 않는 플랫폼입니다 (unsupported platform): {platform}")

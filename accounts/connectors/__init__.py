"""Platform connectors: one module per platform behind the interface in base.py.

`get_connector(account)` finds the account's connector in CONNECTORS (platform -> class);
`split_reply(platform, text)` tells the parts a reply will be posted as (the staff screen previews
them, `reply()` posts them).
"""

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import facebook, instagram, kakao, me2day, x, youtube
from .base import Batch, Code, Connector, InboundItem, PermanentError
from .manual import MANUAL_POST
from .simulator import SimulatorConnector
from .text import split_reply

__all__ = ["CONNECTORS", "MANUAL_POST", "Batch", "Connector", "InboundItem", "get_connector", "split_reply"]

# The platforms SMC fetches from and posts to, each with its connector: a new platform is one module
# and one line here.
CONNECTORS: dict[str, type[Connector]] = {
    "x": x.XConnector,
    "facebook": facebook.FacebookConnector,
    "kakao": kakao.KakaoConnector,
    "instagram": instagram.InstagramConnector,
    "youtube": youtube.YouTubeConnector,
}
# Closed platforms: their accounts stay on the registry, and asking for a connector says why not.
CLOSED: dict[str, str | Promise] = {"me2day": me2day.CLOSED_REASON}
UNSUPPORTED = _("수집·게시를 지원하지 않는 플랫폼입니다: %(platform)s")
# Platforms a simulator may stand in for (SMC_SIMULATE, an account without credentials).
SIMULATED_PLATFORMS = {"x", "facebook", "kakao", "instagram", "youtube"}


def _has_credentials(account) -> bool:
    flag = getattr(account, "has_credentials", None)
    if flag is not None:
        return bool(flag)
    return bool(getattr(account, "credentials", None))


def get_connector(account) -> Connector:
    platform = account.platform
    if platform in CLOSED:
        raise PermanentError(CLOSED[platform], code=Code.PLATFORM_CLOSED)
    if platform in SIMULATED_PLATFORMS and not _has_credentials(account) and getattr(settings, "SMC_SIMULATE", False):
        return SimulatorConnector()
    connector = CONNECTORS.get(platform)
    if connector is None:
        raise PermanentError(UNSUPPORTED, code=Code.UNSUPPORTED_PLATFORM, platform=platform)
    return connector()

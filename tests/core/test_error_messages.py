"""Every error message is a gettext msgid in Korean with its English in locale/en (compiled): one
language at a time, never 'Korean (English)' in one string. Read from the modules that raise them."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
# The modules whose refusals reach a person (staff screens, portal, API, commands).
MODULES = [
    "messages_app/errors.py", "messages_app/services/intake.py", "messages_app/services/handling.py",
    "messages_app/services/ownership.py", "messages_app/services/permissions.py",
    "messages_app/services/publishing.py", "messages_app/services/workflow.py",
    "messages_app/services/evaluation.py", "messages_app/admin/delivery.py",
    "messages_app/management/commands/backfill_places.py", "messages_app/management/commands/sync_platform.py",
    "messages_app/management/commands/poll_accounts.py", "messages_app/management/commands/evaluate_classifier.py",
    "broadcast/selectors.py", "broadcast/services/workflow.py", "broadcast/services/sending.py",
    "portal/services.py", "portal/forms.py", "classification/errors.py", "accounts/crypto.py", "accounts/forms.py",
    "accounts/management/commands/import_accounts.py", "departments/management/commands/create_demo_staff.py",
    "api/views/public.py",
    # The platform connectors' errors (stored as a posting's last error, an account's last error) and
    # what a posting's rule adds to them.
    "accounts/connectors/base.py", "accounts/connectors/__init__.py", "accounts/connectors/x.py",
    "accounts/connectors/facebook.py", "accounts/connectors/instagram.py", "accounts/connectors/youtube.py",
    "accounts/connectors/kakao.py", "accounts/connectors/simulator.py", "accounts/connectors/me2day.py",
    "outbound/rules.py",
]
HANGUL = re.compile("[가-힣]")
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}


def _msgids(path: str) -> list[tuple[str | None, str]]:
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT:
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id.startswith("pgettext") and len(strings) == 2:
                found.append((strings[0], strings[1]))
            elif len(strings) == 1:
                found.append((None, strings[0]))
    return [(context, msgid) for context, msgid in found if HANGUL.search(msgid)]


@pytest.mark.parametrize("path", MODULES)
def test_every_korean_message_has_its_english(path):
    msgids = _msgids(path)
    assert msgids, f"{path} raises no translated message any more: take it off the list"
    with translation.override("en"):
        for context, msgid in msgids:
            english = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            assert english != msgid and not HANGUL.search(english), f"{path}: no English for {msgid!r}"
    for _, msgid in msgids:  # one language per message: no English in parentheses, no ' / English'
        assert not re.search(r"\([A-Za-z][a-z]+ [a-z]+[^)]*\)|\s/\s[A-Z]", msgid), msgid


CONNECTOR_MODULES = [path for path in MODULES if path.startswith(("accounts/connectors/", "outbound/rules.py"))]
ERROR_CLASS = re.compile(r"(Error|Problem|RateLimited|Capped|Missing|Expired|CannotLook|Suspended|Needed|Closed|Rule)$")


@pytest.mark.parametrize("path", CONNECTOR_MODULES)
def test_connector_errors_never_carry_an_untranslated_korean_text(path):
    """A connector error (or a posting rule's label) is built from a gettext message and parameters:
    a Korean literal or f-string handed to one would reach staff untranslated."""
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if not ERROR_CLASS.search(name):
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            literal = isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str))
            assert not (literal and HANGUL.search(ast.unparse(arg))), f"{path}:{node.lineno}: {ast.unparse(arg)}"

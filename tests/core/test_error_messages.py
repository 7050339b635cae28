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

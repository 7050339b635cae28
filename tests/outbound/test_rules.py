"""One rule per connector error: the connectors' error classes and outbound's table stay one list."""

import inspect
from datetime import UTC, datetime

from accounts.connectors import base
from outbound.models import Posting
from outbound.rules import RULES, UNEXPECTED, rule_for


def test_every_connector_error_has_its_own_rule():
    errors = {cls for _, cls in inspect.getmembers(base, inspect.isclass) if issubclass(cls, base.ConnectorError)}
    assert errors == set(RULES), "a connector error without a rule in outbound/rules.py (or a rule for none)"


def test_rules_say_what_each_error_does():
    assert rule_for(base.RateLimited(datetime(2030, 1, 1, tzinfo=UTC))).wait == "reset"
    assert rule_for(base.TransientError("timeout")).wait == "backoff"
    auth = rule_for(base.AuthExpired("revoked"))
    assert auth.marks_account and auth.refused and auth.state == Posting.State.FAILED
    assert rule_for(base.CannotLook("no id")).state == Posting.State.UNKNOWN
    # A permanent error is not proof that nothing went out (X's "duplicate content").
    assert not rule_for(base.PermanentError("duplicate")).refused
    assert rule_for(base.PermissionMissing("pages_manage_engagement")).marks_account
    assert rule_for(base.AppProblem("client-not-enrolled")).refused
    assert not rule_for(base.ContentProblem("duplicate")).refused
    # Messenger's closed window is checked before sending: nothing went out, no look needed.
    from accounts.connectors.facebook import ReplyWindowClosed
    closed = rule_for(ReplyWindowClosed())
    assert closed.refused and closed.state == Posting.State.FAILED and closed.failure == Posting.Failure.REFUSED
    assert rule_for(ValueError("a bug")) is UNEXPECTED and UNEXPECTED.state == Posting.State.FAILED
    # The platform's API cannot make the post: a person must, nothing was sent, nothing to retry.
    manual = rule_for(base.ManualPostNeeded("Instagram needs an image"))
    assert manual.state == Posting.State.MANUAL and manual.refused and not manual.wait and not manual.marks_account

"""The independent evaluation set (classification.evaluation) sent through the real pipeline: each row
analysed, located and triaged exactly as the ingest does for a message polled from the account it
was sent to, without storing anything. The classifier may not know messages or routing, so this
half lives here.
"""

from django.db.models import Case, IntegerField, Value, When
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from accounts.models import Status as AccountStatus
from classification import evaluation
from classification.model import confidence_threshold
from textkit import korean, places
from textkit.textclean import sanitize_text

from . import pipeline


class UnknownAccount(ValueError):
    pass


def accounts_by_handle(handles: set[str]) -> dict[str, Account]:
    """Each handle's account; a handle on several platforms (me2day's retired twins) is its live one."""
    live_first = Case(When(status=AccountStatus.RETIRED, then=Value(1)), default=Value(0), output_field=IntegerField())
    found: dict[str, Account] = {}
    for account in Account.objects.filter(handle__in=handles).annotate(retired=live_first).order_by("retired", "pk"):
        found.setdefault(account.handle, account)
    missing = sorted(handles - found.keys())
    if missing:
        raise UnknownAccount(_("등록되지 않은 계정: %(handles)s (manage.py seed로 계정 등록부를 만드세요)")
                             % {"handles": ", ".join(missing)})
    return found


def route_set(rows: list[evaluation.EvalRow]) -> list[evaluation.Outcome]:
    """Triage every row as the ingest would (pipeline.triage: the active classifier, the routing rules,
    the receiving account), at the configured threshold and as if every row cleared it (the division
    routing chooses first, and its routing confidence, for the automation threshold)."""
    accounts = accounts_by_handle({r.account for r in rows})
    texts = [sanitize_text(r.text) for r in rows]
    pairs = korean.analyze_batch(texts)
    located = places.locate_many(pairs)
    now = timezone.now()
    arrivals = [pipeline.Arrival(text, accounts[r.account], now, place.district)
                for text, r, place in zip(texts, rows, located, strict=True)]
    as_configured = pipeline.triage(arrivals, pairs)
    # The threshold decides only whether a message counts as confident: at 0 every row does, which
    # gives each row's routing at any threshold it clears.
    with override_settings(SMC_TRIAGE_THRESHOLD=0.0):
        confident = pipeline.triage(arrivals, pairs)
    labels = pipeline.classify(texts, pairs)[0]
    out = []
    for r, actual, if_confident, label in zip(rows, as_configured, confident, labels, strict=True):
        out.append(evaluation.Outcome(
            type=actual.type, topic=actual.topic, confidence=if_confident.routing_confidence,
            model_division=label.division if label else "",
            division_confidence=label.division_confidence if label else 0.0,
            division=_code(actual), division_if_confident=_code(if_confident),
            desk_if_confident=if_confident.rule == "desk", account_field=accounts[r.account].field,
            automated=actual.rule != "desk"))
    return out


def _code(outcome: pipeline.Outcome) -> str:
    return outcome.division.code if outcome.division is not None else ""


def evaluate(limit: int | None = None) -> dict:
    """The figures of the active classifier and the routing on the set (its first `limit` rows)."""
    rows = evaluation.read_set()
    if limit:
        rows = rows[:limit]
    result = evaluation.figures(rows, route_set(rows))
    result["configured_threshold"] = confidence_threshold()
    return result

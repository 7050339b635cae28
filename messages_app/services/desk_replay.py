"""Learning from the desk, measured (issue 27): a simulated month of arrivals goes through the real
pipeline, the desk corrects what it got wrong with the real staff actions (transfer, reclassify), the
nightly retrain learns from those corrections, and the independent evaluation set is measured before
and after.

The month is made from the training corpus's own rows (training-like text, never the evaluation
set's): each arrival is a corpus row sent to an account (its division's own, or another field's),
changed the way real traffic differs from a corpus (spaces dropped, a greeting, a typo, two rows of
one division run together), so the corrections are not the corpus's texts again.
"""

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.models import Status as AccountStatus
from classification import training, versions
from departments.models import Division
from users.models import User

from ..models import Message
from . import evaluation, handling, pipeline

REASON = "데스크 검토: 내용상 담당 부서"  # the transfer reason the simulated desk gives
_OPENINGS = ["안녕하세요 ", "저기요 ", "수고하십니다 ", "문의드려요 ", "급해요 ", "서울시에 한마디 ", ""]
_ENDINGS = [" ㅠㅠ", "!!", " ...", " ㅎㅎ", " 🙏", "", "?"]


@dataclass(frozen=True)
class Arrival:
    text: str
    account: Account
    type: str
    topic: str
    division: str


def _vary(text: str, rng: random.Random, other: str) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        text = text.replace(" ", "")
    elif kind == 1 and len(text) > 6:  # a typo: two neighbouring characters swapped
        i = rng.randrange(len(text) - 1)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    elif kind == 2 and other:
        text = f"{text} 그리고 {other}"
    if kind != 0:
        text = rng.choice(_OPENINGS) + text + rng.choice(_ENDINGS)
    return text.strip()


def month(n: int, seed: int = 27) -> list[Arrival]:
    """n arrivals of a simulated month: corpus rows with division, ~40% sent to another field's account."""
    rng = random.Random(seed)
    rows = [r for r in training.division_rows() if r.division and r.type]
    by_division: dict[str, list[training.Row]] = {}
    for r in rows:
        by_division.setdefault(r.division, []).append(r)
    live = list(Account.objects.exclude(status=AccountStatus.RETIRED).exclude(field="")
                .select_related("owner_division").order_by("pk"))
    owned = {a.owner_division.code: a for a in live if a.owner_division_id and a.field not in ("general", "district")}
    out = []
    for _ in range(n):
        r = rng.choice(rows)
        same = [o for o in by_division[r.division] if o.type == r.type and o.text != r.text]
        other = rng.choice(same).text if same and rng.random() < 0.5 else ""
        own = owned.get(r.division)
        if own is not None and rng.random() < 0.6:
            account = own
        else:
            account = rng.choice([a for a in live if a.field != r.topic])
        out.append(Arrival(_vary(r.text, rng, other), account, r.type, r.topic, r.division))
    return out


def _desk_user() -> User:
    user, _ = User.objects.get_or_create(username="desk-replay", defaults={"is_staff": True, "is_superuser": True})
    return user


def work_the_month(arrivals: list[Arrival]) -> dict:
    """Store the arrivals, run the pipeline on them, and let the desk correct them: a transfer where
    the division is wrong (from the needs-triage queue too), a reclassification where type or topic
    is. Returns the counts."""
    now = timezone.now()
    stamp = int(now.timestamp())
    stored = Message.objects.bulk_create([
        Message(platform=a.account.platform, external_id=f"desk-replay-{stamp}-{i}", account=a.account, text=a.text,
                posted_at=now, author_handle=f"citizen{i}", is_simulated=True, is_private=True)
        for i, a in enumerate(arrivals)])
    pipeline.after_ingest([m.pk for m in stored])
    divisions = {d.code: d for d in Division.objects.all()}
    actor = _desk_user()
    counts = {"messages": len(arrivals), "desk_queue": 0, "transfers": 0, "relabels": 0, "right_first_time": 0}
    for message, a in zip(Message.objects.filter(pk__in=[m.pk for m in stored]).order_by("pk"), arrivals,
                          strict=True):
        counts["desk_queue"] += message.needs_triage
        if message.division_id != divisions[a.division].pk:
            handling.transfer(message, divisions[a.division], actor=actor, reason=REASON)
            counts["transfers"] += 1
        else:
            counts["right_first_time"] += 1
        if (message.type, message.topic) != (a.type, a.topic):
            handling.reclassify(message, actor=actor, type=a.type, topic=a.topic)
            counts["relabels"] += 1
    return counts


def _summary(figures: dict) -> dict:
    return {"type": figures["type"]["accuracy"], "support_recall": figures["support_recall"],
            "topic": figures["topic"]["accuracy"], "division": figures["division"]["accuracy"],
            "other_field_first_time_right": figures["other_field"]["first_time_right"],
            "automation": figures["automation"]["routing_confidence"]}


def replay(n: int = 600, seed: int = 27, keep: bool = False) -> dict:
    """The month, the desk's corrections, the nightly retrain, and the independent set's figures
    before and after (of the retrained version even when the retrain did not put it in use). Without
    `keep` everything is rolled back: the messages, the corrections and the new version."""
    with transaction.atomic():
        before = _summary(evaluation.evaluate())
        worked = work_the_month(month(n, seed))
        row, metrics = versions.retrain()
        activated = bool(metrics.get("activated"))
        if not activated:
            versions.activate(row)
        after = _summary(evaluation.evaluate())
        result = {"month": worked, "version": row.version, "activated_by_retrain": activated, "note": row.note,
                  "before": before, "after": after}
        if not keep:
            transaction.set_rollback(True)
    return result

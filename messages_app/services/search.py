"""The full-text search index of messages and answers (Korean morphemes in a tsvector).

Next to Message and Answer, not in the portal: writing an answer indexes it, and the answer path
must not depend on the pages that show it.
"""


from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import TextField, Value

from textkit import korean

from ..models import Answer, Message


def _vector(document: str) -> SearchVector:
    return SearchVector(Value(document, output_field=TextField()), config="simple")


def index_answers(answer_ids: Iterable[int]) -> int:
    """Store the morpheme tsvector of these answers (call after an answer is written or edited)."""
    return _index(Answer, answer_ids)


def index_messages(message_ids: Iterable[int]) -> int:
    return _index(Message, message_ids)


def _index(model: type[Message] | type[Answer], ids: Iterable[int], batch: int = 500) -> int:
    ids = list(ids)
    done = 0
    for start in range(0, len(ids), batch):
        rows = list(model.objects.filter(pk__in=ids[start:start + batch]).values_list("pk", "text"))
        pairs = korean.analyze_batch([text for _, text in rows])
        with transaction.atomic():
            for (pk, _), analysed in zip(rows, pairs, strict=True):
                document = korean.document_from(analysed)
                model.objects.filter(pk=pk).update(search_vector=_vector(document))
        done += len(rows)
    return done


def reindex(*, only_missing: bool = False) -> tuple[int, int]:
    """Rebuild the search vectors of every message and answer (or only those never indexed)."""
    messages, answers = Message.objects.all(), Answer.objects.all()
    if only_missing:
        messages, answers = messages.filter(search_vector__isnull=True), answers.filter(search_vector__isnull=True)
    return (index_messages(messages.values_list("pk", flat=True).order_by("pk")),
            index_answers(answers.values_list("pk", flat=True).order_by("pk")))

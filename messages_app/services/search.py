"""The full-text search index of messages and answers (Korean morphemes in a tsvector).

Next to Message and Answer, not in the portal: writing an answer indexes it, and the answer path
must not depend on the pages that show it.

`search_vector` is the PUBLIC index: built from the masked text the portal shows (and the masked
answers), so a search for a phone number, an RRN or a name finds only what the page shows. Staff
search the raw text through the admin's search_fields.
"""


from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import TextField, Value

from textkit import korean, masking

from ..models import Answer, Message


def _vector(document: str) -> SearchVector:
    return SearchVector(Value(document, output_field=TextField()), config="simple")


def public_documents(texts: list[str], author_names: list[str],
                     analysed: list[list[tuple[str, str]]] | None = None) -> list[str]:
    """The search documents of texts as the public sees them (masked with the author's name).
    `analysed`: Kiwi's analysis of the raw texts when the caller has it (ingest): reused for every
    text masking leaves unchanged, so only texts with personal data are analysed a second time."""
    public = [masking.mask_text(text, names=[name]) for text, name in zip(texts, author_names, strict=True)]
    if analysed is None:
        return [korean.document_from(pairs) for pairs in korean.analyze_batch(public)]
    pairs = list(analysed)
    changed = [i for i, (text, shown) in enumerate(zip(texts, public, strict=True)) if shown != text]
    for i, reanalysed in zip(changed, korean.analyze_batch([public[i] for i in changed]), strict=True):
        pairs[i] = reanalysed
    return [korean.document_from(p) for p in pairs]


def index_answers(answer_ids: Iterable[int]) -> int:
    """Store the morpheme tsvector of these answers (call after an answer is written or edited)."""
    return _index(Answer, answer_ids, "message__author_name")


def index_messages(message_ids: Iterable[int]) -> int:
    return _index(Message, message_ids, "author_name")


def _index(model: type[Message] | type[Answer], ids: Iterable[int], author_field: str,
           batch: int = 500) -> int:
    ids = list(ids)
    done = 0
    for start in range(0, len(ids), batch):
        rows = list(model.objects.filter(pk__in=ids[start:start + batch]).values_list("pk", "text", author_field))
        documents = public_documents([text for _, text, _ in rows], [name for _, _, name in rows])
        with transaction.atomic():
            for (pk, _, _), document in zip(rows, documents, strict=True):
                model.objects.filter(pk=pk).update(search_vector=_vector(document))
        done += len(rows)
    return done


def reindex(*, only_missing: bool = False) -> tuple[int, int]:
    """Rebuild the (public, masked) search vectors of every message and answer (or only those never
    indexed). Run after the masking rules change, so the index never holds what pages hide."""
    messages, answers = Message.objects.all(), Answer.objects.all()
    if only_missing:
        messages, answers = messages.filter(search_vector__isnull=True), answers.filter(search_vector__isnull=True)
    return (index_messages(messages.values_list("pk", flat=True).order_by("pk")),
            index_answers(answers.values_list("pk", flat=True).order_by("pk")))

"""The public search index is built from the masked text. Masking now also hides numbers written
with spoken or look-alike digits, across any separator, and spelled-out e-mail addresses (issue 22):
an index built before still holds those digits, and a search for them would find the message. So
every stored vector is built again here, as `manage.py reindex_search` does, from the historical
models (this migration must keep working when the models change)."""

from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import TextField, Value

BATCH = 500


def _reindex(model, author_field: str) -> None:
    from textkit import korean, masking

    ids = list(model.objects.filter(search_vector__isnull=False).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        rows = list(model.objects.filter(pk__in=ids[start:start + BATCH]).values_list("pk", "text", author_field))
        public = [masking.mask_text(text, names=[name]) for _, text, name in rows]
        for (pk, _, _), pairs in zip(rows, korean.analyze_batch(public), strict=True):
            document = korean.document_from(pairs)
            model.objects.filter(pk=pk).update(
                search_vector=SearchVector(Value(document, output_field=TextField()), config="simple"))


def reindex(apps, schema_editor):
    _reindex(apps.get_model("messages_app", "Message"), "author_name")
    _reindex(apps.get_model("messages_app", "Answer"), "message__author_name")


class Migration(migrations.Migration):

    dependencies = [
        ("messages_app", "0007_message_district_neighbourhood_snsmap"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True),
    ]

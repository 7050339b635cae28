"""Reads of the org chart for other apps (the API's division list)."""

from django.db.models import QuerySet

from .models import Division


def divisions() -> QuerySet[Division]:
    return Division.objects.select_related("bureau").order_by("bureau__order", "name_ko", "id")

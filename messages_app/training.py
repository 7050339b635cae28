"""What the inbox hands the classifier to learn from: the staff corrections of type and topic."""

from .models import LabelCorrection


def label_corrections() -> list[tuple[str, str, str]]:
    """(text, type, topic) of every staff correction, oldest first (later ones win in training)."""
    return list(LabelCorrection.objects.order_by("created_at", "pk").values_list("text", "type", "topic"))

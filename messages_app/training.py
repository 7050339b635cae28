"""What the inbox hands the classifier to learn from: staff corrections of type and topic, and
staff transfers (the division a message was moved to). settings.SMC_CLASSIFIER_CORRECTIONS and
SMC_CLASSIFIER_TRANSFERS name these two readers for classification.training."""

from .models import LabelCorrection
from .selectors import transfers


def label_corrections() -> list[tuple[str, str, str]]:
    """(text, type, topic) of every staff correction, oldest first (later ones win in training)."""
    return list(LabelCorrection.objects.order_by("created_at", "pk").values_list("text", "type", "topic"))


def division_transfers() -> list[tuple[str, str]]:
    """(text, division code) of every staff transfer, oldest first: the last one of a message wins.
    Transfers to the SMC desk are left out: they say "not mine", not where the message belongs."""
    return list(transfers().filter(division__is_smc_desk=False).order_by("created_at", "pk")
                .values_list("message__text", "division__code"))

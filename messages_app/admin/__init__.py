"""Staff screens, one module per concern; each registers its own ModelAdmin classes."""

from . import account_health, classification, delivery, moderation, staff  # noqa: F401

"""Staff screens, one module per concern; each registers its own ModelAdmin classes."""

from . import classification, delivery, moderation, staff  # noqa: F401

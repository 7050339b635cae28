"""Staff screens, one module per concern; each registers its own ModelAdmin classes."""

from . import account_health, corrections, delivery, staff  # noqa: F401

"""Platform connectors: one module per platform behind the interface in base.py."""

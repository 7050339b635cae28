"""What changes state, one module per concern (ingest, publishing, workflow, portal, …)."""

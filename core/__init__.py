"""The ground floor (DESIGN.md): errors with codes, advisory locks, CSV safety, reporting helpers.
No models and no imports of any project app."""

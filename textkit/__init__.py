"""Plain text tools without models: Korean analysis (korean), personal-data masking (masking) and
the one sanitiser of control, bidi and zero-width characters (textclean).

Nothing here imports Django's models or another app of the project (import-linter checks it), so
any layer may use it, and it can be tested without a database.
"""

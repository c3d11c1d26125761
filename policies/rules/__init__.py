"""One module per rule, each exporting ``RULE``; ``_util`` holds the shared helpers."""

"""The advisor console: comparisons keyed during live calls, the disclosure script, outcomes."""

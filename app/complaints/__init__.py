"""Complaints about a logged comparison: raised by a shopper from the results or the receipt, or by
an advisor during a call; assigned, noted and resolved by compliance. Every event is an entry of the
recommendation log (docs/complaints-and-qa.md); the queue is a projection of those entries
(app/complaints/models.py) that `rebuild` can recompute from the log at any time."""

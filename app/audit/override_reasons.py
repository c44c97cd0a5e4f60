"""Why a caller did not take the top pick: the reason codes an advisor's outcome entry records
(OVERRIDE, app/audit/entries.py) and their labels. Part of the log's vocabulary: the advisor console
that records them and the compliance reports that count them both import them from here.
"""

from __future__ import annotations

REASON_CODES: tuple[tuple[str, str], ...] = (
    ("price", "Wants a lower price than the top pick"),
    ("existing_customer", "Already a customer of the provider chosen"),
    ("known_provider", "Prefers a provider they know"),
    ("cover", "Wants cover the top pick does not give"),
    ("service", "Puts service or claims handling first"),
    ("payment_terms", "Wants different payment terms"),
    ("decide_later", "Will decide later or shop elsewhere"),
    ("other", "Another reason, explained in the note"),
)
REASON_LABELS = dict(REASON_CODES)

"""Quality assurance of advised calls: a configurable share of advisors' decided calls (more for
new advisors and for overrides) is drawn into a review queue; a reviewer answers the configured
checklist and records pass, fail or needs coaching. Draws and reviews are log entries; the queue
(app/quality/models.py) is their projection. docs/complaints-and-qa.md describes both."""

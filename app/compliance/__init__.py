"""The compliance console: every logged recommendation, filtered and paged; the story of one entry
with its inclusion proof checked on the server; replay; the log's integrity; reports; exports."""

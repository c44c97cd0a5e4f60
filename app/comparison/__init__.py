"""The comparison use case: its modules each do one job; the web edges import app/comparison/api.py."""

"""The comparison service."""

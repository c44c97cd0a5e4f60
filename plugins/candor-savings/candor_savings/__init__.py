"""Savings accounts and CDs: a Candor product line that lives outside the core and registers itself
through the `candor.products`, `candor.providers` and `candor.sandbox` entry points."""

"""The shopper's pages: choose a product line, enter a profile, see the ranking, keep a receipt."""

"""What every blueprint of the web edge shares: writing a log entry with its commit (recorded)."""

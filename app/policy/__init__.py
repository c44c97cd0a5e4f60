"""Public policy pages: what we keep about whom, and for how long (/retention)."""

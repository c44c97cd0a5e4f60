"""How the site is served: the access log both servers write (gunicorn in production, the
development server of `flask demo run`). Kept outside `app` on purpose: gunicorn's master process
imports it, and it must not import the application (workers load that after the fork, so
`kill -HUP` picks up new code)."""

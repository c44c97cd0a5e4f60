"""The public /verify page: anyone with a reference can see, without any personal data, that the
recommendation is in our log, with a proof they can check without trusting us."""

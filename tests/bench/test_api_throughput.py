"""The load the benchmarks drive is load Candor answers: a profile the API would refuse with a 422
costs Candor CPU that no comparison shows for, and the baseline (which checks nothing) none."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from app.products import get_product_line
from bench.api_throughput import consistent_auto_profile


def test_every_profile_the_load_draws_is_one_the_api_accepts(app) -> None:
    line, today = get_product_line("auto"), datetime.now(UTC).date()
    with app.app_context():
        for client in range(8):
            rng = random.Random(client)  # the seeds drive() gives its clients
            for _ in range(40):
                line.profile_from_json(consistent_auto_profile(rng, today))  # raises InvalidProfile if refused

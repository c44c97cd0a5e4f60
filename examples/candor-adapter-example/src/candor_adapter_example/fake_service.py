"""A fake of Sunrise Insurance's pricing API, for the package's tests and for demos."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any


def sunrise_api(stopping: threading.Event | None = None, *, refer_over_claims: int = 2) -> Callable[..., Iterable[bytes]]:
    """A WSGI app pricing like Sunrise: a base by age, more for claims and tickets; refers (declines)
    applicants with more than `refer_over_claims` claims."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST" or environ.get("PATH_INFO") != "/v2/price":
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "not found"}']
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length))
        applicant = request["applicant"]
        if applicant["claims_5y"] > refer_over_claims:
            reply: dict[str, Any] = {"status": "referred", "message": "Please call us: we price this by phone."}
        else:
            age = datetime.now(timezone.utc).year - int(applicant["born"][:4])
            cents = 98_000 + max(0, 30 - age) * 4_000 + applicant["claims_5y"] * 35_000 + applicant["tickets_5y"] * 12_000
            reply = {"status": "priced", "offers": [{
                "offer_ref": uuid.uuid4().hex[:10],
                "annual_premium_cents": cents,
                "expires_at": (datetime.now(timezone.utc) + timedelta(minutes=20)).isoformat(),
                "liability": request["coverage"]["liability"],
                "deductible": request["coverage"]["deductible"] if request["coverage"]["physical_damage"] else None,
                "included": ["roadside", "uninsured_motorist"],
            }]}
        body = json.dumps(reply).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app

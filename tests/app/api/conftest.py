"""Helpers for the API's tests: tokens, and counting what the log holds."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.actors import Actor
from app.audit.entries import RESULT_KINDS
from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.service import create_token
from app.db import db
from app.products import PRODUCT_LINES


def new_token(app: Flask, scope: str, user_id: int | None = None) -> str:
    with app.app_context():
        user = db.session.get(User, user_id) if user_id is not None else None
        _, secret = create_token(db.session, scope, user=user, label="test", actor=Actor("test"), channel="test")
        db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def recommendations(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.kind.in_(RESULT_KINDS)))


def example(product: str, **changes: Any) -> dict[str, Any]:
    profile = copy.deepcopy(PRODUCT_LINES[product].profile_schema["examples"][0])
    profile.update(changes)
    return profile


@pytest.fixture
def advisor_token(app: Flask) -> str:
    return new_token(app, "advisor")


@pytest.fixture
def compliance_token(app: Flask) -> str:
    return new_token(app, "compliance")

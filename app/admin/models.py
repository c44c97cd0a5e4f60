"""Admin overrides of the providers file: what an administrator changed, applied over the file's
values whenever the registry's provider list is read, so a change needs no restart."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db

COMMISSION_MAX_LENGTH = 300
TIMEOUT_MAX_S = Decimal(60)


class ProviderSetting(db.Model):
    """A NULL column means "as in the providers file"."""

    __tablename__ = "provider_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    timeout_s: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    commission: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint("timeout_s IS NULL OR (timeout_s > 0 AND timeout_s <= 60)", name="timeout_range"),
    )

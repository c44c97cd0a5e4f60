"""Staff accounts, their roles and the API tokens issued to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.db import UTCDateTime, db, utcnow

ADVISOR = "advisor"
COMPLIANCE = "compliance"
ADMIN = "admin"
ROLES: tuple[str, ...] = (ADVISOR, COMPLIANCE, ADMIN)
ROLE_LABELS = {ADVISOR: "Advisor", COMPLIANCE: "Compliance", ADMIN: "Admin"}
# API tokens act for a console area; admin work is only done signed in, never by token.
TOKEN_SCOPES: tuple[str, ...] = (ADVISOR, COMPLIANCE)

_ROLE_LIST = ", ".join(f"'{role}'" for role in ROLES)
_SCOPE_LIST = ", ".join(f"'{scope}'" for scope in TOKEN_SCOPES)


class User(db.Model):
    """A member of staff. `session_version` is part of the id kept in the session cookie, so
    raising it (disable, password reset) ends every session the user has open."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def set_roles(self, roles: set[str] | frozenset[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")
        keep = [row for row in self.role_rows if row.role in roles]
        have = {row.role for row in keep}
        self.role_rows = keep + [UserRole(role=role) for role in sorted(set(roles) - have)]

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    # Flask-Login's user interface.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="known_role"),)


class ApiToken(db.Model):
    """Only the SHA-256 of a token is stored: tokens are 256-bit random secrets, so a fast hash
    is enough and lets a request find its token by an indexed lookup."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint(f"scope IN ({_SCOPE_LIST})", name="known_scope"),)

    @property
    def usable(self) -> bool:
        """A token stops working when it is revoked, or when the user it was issued to is
        disabled or no longer holds the role its scope needs."""
        if self.revoked_at is not None:
            return False
        if self.user is None:
            return True
        return self.user.active and self.user.has_role(self.scope)


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == normalise_username(username))).first()


def normalise_username(username: str) -> str:
    return username.strip().lower()

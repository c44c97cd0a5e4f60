"""`flask users …`, `flask tokens …` and `flask demo seed`. Every change is logged, with the
command line as its actor."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.actors import Actor
from app.auth.models import ROLES, TOKEN_SCOPES, ApiToken, User, find_user
from app.auth.passwords import WeakPassword
from app.auth.service import (
    AccountError,
    change_roles,
    create_token,
    create_user,
    disable_user,
    enable_user,
    reset_password,
    revoke_token,
    unlock_user,
)
from app.db import db

CLI = Actor("cli")
CLI_CHANNEL = "cli"
DEMO_PASSWORD = "candor-demo-2026"
DEMO_USERS = (
    ("advisor@example.com", ("advisor",)),
    ("compliance@example.com", ("compliance",)),
    ("admin@example.com", ("admin",)),
)

users_cli = AppGroup("users", help="Create and manage staff accounts.")
tokens_cli = AppGroup("tokens", help="Create and revoke API tokens.")


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def _user_or_fail(username: str) -> User:
    user = find_user(db.session, username)
    if user is None:
        _fail(f"No user called {username!r}. 'flask users list' shows them.")
    assert user is not None
    return user


def _describe(user: User) -> str:
    flags = [] if user.active else ["disabled"]
    if user.locked_until is not None:
        flags.append(f"locked until {user.locked_until:%Y-%m-%d %H:%M} UTC")
    return (f"{user.id:4}  {user.username:32} {','.join(sorted(user.roles)) or '(no roles)':28}"
            f"{'  (' + ', '.join(flags) + ')' if flags else ''}")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="A role to give; repeat for several.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given (the safer way: it stays out of your shell history).")
def users_create(username: str, roles: tuple[str, ...], password: str) -> None:
    """Create a user with one or more roles."""
    try:
        user = create_user(db.session, username, password, roles, actor=CLI, channel=CLI_CHANNEL)
    except (AccountError, WeakPassword) as error:
        _fail(str(error))
        return
    db.session.commit()
    click.echo(f"Created user {user.id} {user.username} with roles {', '.join(sorted(user.roles))}.")


@users_cli.command("list")
def users_list() -> None:
    """List users, their roles and whether they are disabled or locked."""
    users = db.session.scalars(select(User).order_by(User.id)).all()
    if not users:
        click.echo("No users yet. Create one with 'flask users create --role admin NAME'.")
    for user in users:
        click.echo(_describe(user))


@users_cli.command("roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES),
              help="The roles the user should hold from now on; repeat for several; none removes all.")
def users_roles(username: str, roles: tuple[str, ...]) -> None:
    """Set exactly which roles a user holds."""
    user = _user_or_fail(username)
    try:
        changed = change_roles(db.session, user, roles, actor=CLI, channel=CLI_CHANNEL)
    except AccountError as error:
        _fail(str(error))
        return
    db.session.commit()
    click.echo(_describe(user) if changed else f"{user.username} already has exactly those roles.")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable a user; their open sessions end at once."""
    user = _user_or_fail(username)
    try:
        changed = disable_user(db.session, user, actor=CLI, channel=CLI_CHANNEL)
    except AccountError as error:
        _fail(str(error))
        return
    db.session.commit()
    click.echo(f"Disabled {user.username}; their sessions have ended." if changed else f"{user.username} was already disabled.")


@users_cli.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    user = _user_or_fail(username)
    changed = enable_user(db.session, user, actor=CLI, channel=CLI_CHANNEL)
    db.session.commit()
    click.echo(f"Enabled {user.username}." if changed else f"{user.username} was already enabled.")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(username: str, password: str) -> None:
    """Give a user a new password; their open sessions end and any lockout is lifted."""
    user = _user_or_fail(username)
    try:
        reset_password(db.session, user, password, actor=CLI, channel=CLI_CHANNEL)
    except WeakPassword as error:
        _fail(str(error))
        return
    db.session.commit()
    click.echo(f"New password set for {user.username}; their sessions have ended.")


@users_cli.command("unlock")
@click.argument("username")
def users_unlock(username: str) -> None:
    """Lift the lockout after too many wrong passwords."""
    user = _user_or_fail(username)
    changed = unlock_user(db.session, user, actor=CLI, channel=CLI_CHANNEL)
    db.session.commit()
    click.echo(f"Unlocked {user.username}." if changed else f"{user.username} was not locked.")


@tokens_cli.command("create")
@click.option("--scope", required=True, type=click.Choice(TOKEN_SCOPES))
@click.option("--user", "username", help="The user the token acts for; it stops working if they are disabled "
                                         "or lose the role.")
@click.option("--label", default="", help="What the token is for, shown by 'tokens list'.")
def tokens_create(scope: str, username: str | None, label: str) -> None:
    """Create an API token and print it (once; only its hash is kept)."""
    user = _user_or_fail(username) if username else None
    try:
        token, secret = create_token(db.session, scope, user=user, label=label, actor=CLI, channel=CLI_CHANNEL)
    except AccountError as error:
        _fail(str(error))
        return
    db.session.commit()
    click.echo(f"Token {token.id} ({scope}). Send it as 'Authorization: Bearer <token>'; it is shown only now:", err=True)
    click.echo(secret)


@tokens_cli.command("list")
def tokens_list() -> None:
    """List tokens (never their secrets)."""
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    if not tokens:
        click.echo("No API tokens.")
    for token in tokens:
        state = "revoked" if token.revoked_at else ("usable" if token.usable else "not usable (user disabled or lost the role)")
        owner = token.user.username if token.user else "(no user)"
        click.echo(f"{token.id:4}  {token.prefix}…  {token.scope:10} {owner:32} {state:10} {token.label}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by its number (from 'tokens list')."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        _fail(f"No token {token_id}. 'flask tokens list' shows them.")
        return
    changed = revoke_token(db.session, token, actor=CLI, channel=CLI_CHANNEL)
    db.session.commit()
    click.echo(f"Revoked token {token_id}." if changed else f"Token {token_id} was already revoked.")


@click.command("seed")
@with_appcontext
def demo_seed() -> None:
    """Create the demo users (advisor, compliance, admin @example.com) if they are missing.
    An existing user is left exactly as it is, password included."""
    for username, roles in DEMO_USERS:
        if find_user(db.session, username) is not None:
            click.echo(f"{username:24} exists; left unchanged")
            continue
        create_user(db.session, username, DEMO_PASSWORD, roles, actor=CLI, channel=CLI_CHANNEL)
        db.session.commit()
        click.echo(f"{username:24} created, password {DEMO_PASSWORD}")
    click.echo("Demo accounts are for trying Candor on your own machine; never seed them in production.")


def init_app(app: Flask, *, demo: AppGroup) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    demo.add_command(demo_seed)

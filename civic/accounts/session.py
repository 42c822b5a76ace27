"""Flask-Login wiring: who is signed in, and where anonymous visitors are sent."""

from __future__ import annotations

from flask import Flask

from civic.extensions import db, login_manager


def init_login(app: Flask) -> None:
    from civic.accounts.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

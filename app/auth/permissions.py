"""Route decorators and object-level checks shared by every domain."""
from functools import wraps

from flask import abort
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from app.auth.models import Role, User

STAFF = (Role.ADMIN, Role.COORDINATOR, Role.TRAINER)  # who reads people, institutions and cohorts (User.is_staff)
MANAGERS = (Role.ADMIN, Role.COORDINATOR)  # who invites, imports and adds people, institutions and cohorts


def role_required(*roles: Role):
    """Only signed-in users holding one of ``roles`` reach the view (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def deny(message: str = "") -> None:
    raise Forbidden(message or None)


def sees_everyone(actor: User) -> bool:
    return actor.has_role(Role.ADMIN, Role.TRAINER)


def managed_country(actor: User) -> str | None:
    """The country a coordinator manages; None for anyone else."""
    if Role.COORDINATOR in actor.roles and actor.country_code:
        return actor.country_code
    return None


def can_see_country(actor: User, country_code: str | None) -> bool:
    if sees_everyone(actor):
        return True
    return country_code is not None and country_code == managed_country(actor)


def can_manage_country(actor: User, country_code: str | None) -> bool:
    """Admins manage every country's records; a coordinator manages their own."""
    if actor.is_admin:
        return True
    return country_code is not None and country_code == managed_country(actor)


def can_view_user(actor: User, user: User) -> bool:
    return actor.id == user.id or can_see_country(actor, user.country_code)


def can_manage_user(actor: User, user: User) -> bool:
    """Admins manage everyone; a coordinator manages the trainees of their country."""
    if actor.is_admin:
        return True
    return can_manage_country(actor, user.country_code) and user.roles <= {Role.TRAINEE}


def check(allowed: bool) -> None:
    if not allowed:
        deny()

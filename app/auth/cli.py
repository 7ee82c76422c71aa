import click
from flask.cli import AppGroup

from app.auth.models import Role
from app.auth.services import SYSTEM, create_user, get_user_by_email, update_user
from app.errors import ValidationError
from app.extensions import db

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", "full_name", help="Full name of a new account.")
@click.option("--password", envvar="ITINERA_ADMIN_PASSWORD",
              help="Password of a new account (at least 10 characters); asked for when not given.")
def create_admin(email, full_name, password):
    """Create an administrator, e.g. the first one of a new site. An existing account with this address is made
    an active administrator instead (its password is kept): the way back in when no administrator can sign in."""
    user = get_user_by_email(email)
    try:
        if user is not None:
            update_user(SYSTEM, user, roles=user.roles | {Role.ADMIN}, is_active=True)
            message = f"{user.email} is now an active administrator (password unchanged)."
        else:
            full_name = full_name or click.prompt("Full name")
            password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
            user = create_user(SYSTEM, email=email, full_name=full_name, roles={Role.ADMIN}, password=password)
            message = f"Administrator {user.email} created."
    except ValidationError as error:
        raise click.ClickException("; ".join(f"{field}: {text}" for field, text in error.errors.items())) from error
    db.session.commit()
    click.echo(message)

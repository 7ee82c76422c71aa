from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from app.auth.models import is_email_address
from app.auth.services import normalise_email
from app.forms import Form, options
from app.once import OnceForm
from app.template_helpers import LANGUAGE_NAMES


class LoginForm(OnceForm):
    """Sent again (a double tap), it leaves one sign-in (see the view)."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address"))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password"))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class LanguageForm(Form):
    locale = RadioField(_l("Language of Itinera's pages and e-mails"), choices=options(LANGUAGE_NAMES.items()),
                        validators=[DataRequired(_l("Choose a language"))])
    submit = SubmitField(_l("Save language"))


class TimezoneForm(Form):
    # choices: the zones of the person's country (app.places.timezones), set by the view
    timezone = SelectField(_l("Time zone of the dates and times you see"), validate_choice=False)
    submit = SubmitField(_l("Save time zone"))

    def validate_timezone(self, field):
        if not field.raw_data:  # (the empty choice, "automatic", is sent as "")
            raise ValidationError(_l("Choose a time zone from the list"))


class PasswordForm(OnceForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password"))])
    new_password = PasswordField(_l("New password"), description=_l("At least 10 characters."),
                                 validators=[DataRequired(_l("Enter a new password")), Length(max=200)])
    submit = SubmitField(_l("Change password"))


class ChoosePasswordForm(Form):
    password = PasswordField(_l("Password"), description=_l("At least 10 characters. A few unrelated words make a "
                                                            "strong password that is easy to remember."),
                             validators=[DataRequired(_l("Choose a password")), Length(max=200)])
    submit = SubmitField(_l("Save password"))


class ResetPasswordForm(OnceForm, ChoosePasswordForm):
    """A reset link's form: sent again (a double tap) once it has set the password, it says so (see once)."""


class InvitationForm(OnceForm, ChoosePasswordForm):
    """An invitation link's form: sent again (a double tap) once it has set the password, it says so."""


def _an_email_address(_form, field) -> None:
    """A mistyped address would be told "we sent a link if it is yours" and wait for nothing."""
    if field.data and not field.errors and not is_email_address(normalise_email(field.data)):  # one problem at a time
        raise ValidationError(_l("Enter an e-mail address in the right format, like name@example.org"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address")),
                                                        Length(max=254), _an_email_address])
    submit = SubmitField(_l("Send me a link"))

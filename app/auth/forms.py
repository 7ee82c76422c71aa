from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import options
from app.template_helpers import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address"))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password"))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class LanguageForm(FlaskForm):
    locale = RadioField(_l("Language"), choices=options(LANGUAGE_NAMES.items()),
                        validators=[DataRequired(_l("Choose a language"))])
    submit = SubmitField(_l("Save language"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password"))])
    new_password = PasswordField(_l("New password"), description=_l("At least 10 characters."),
                                 validators=[DataRequired(_l("Enter a new password")), Length(max=200)])
    submit = SubmitField(_l("Change password"))


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), description=_l("At least 10 characters. A few unrelated words make a "
                                                            "strong password that is easy to remember."),
                             validators=[DataRequired(_l("Choose a password")), Length(max=200)])
    submit = SubmitField(_l("Save password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address")),
                                                        Length(max=254)])
    submit = SubmitField(_l("Send me a link"))

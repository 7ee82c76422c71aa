from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from app.args import parse_id
from app.forms import Form, WholeNumberField, options
from app.once import OnceForm
from app.text import typed_search
from app.template_helpers import LANGUAGE_NAMES, LEVEL_LABELS, POSITION_LABELS


class IdChoice:
    """A select of database ids: empty, or an id (a list that changed meanwhile or a forged request sends others)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data and parse_id(field.data) is None:
            raise StopValidation(self.message)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CountryDependentForm(Form):
    """A form whose region or institution list follows the chosen country.

    Without JavaScript the "refresh" button re-displays the form for the chosen country."""

    refresh = SubmitField(_l("Show the lists for this country"))

    @property
    def is_refresh(self) -> bool:
        return bool(self.refresh.data)

    @property
    def is_saving(self) -> bool:
        """Sent to be saved (not to refresh the lists)."""
        return self.is_submitted() and not self.is_refresh


class UserForm(CountryDependentForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter the full name")), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address")),
                                                        Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), validate_choice=False)
    country_code = SelectField(_l("Country"), validate_choice=False)
    institution_id = SelectField(_l("Institution"), validate_choice=False, default="",
                                 validators=[IdChoice(_l("Choose an institution of the person's country"))],
                                 description=_l("Optional. Institutions of the chosen country."))
    # a country with many institutions: find them by name, then choose (app.admin.views.INSTITUTIONS_LISTED)
    institution_q = StringField(_l("Find an institution"), filters=[typed_search],
                                description=_l("Type words of its name, then press Find."))
    find = SubmitField(_l("Find"))
    institution_searched = HiddenField()  # the words whose institutions the form shows
    # sent by the page, outside the institution's radio buttons: none of them sent is then no choice made (the
    # script disables the buttons of the country left, nothing is chosen after a refusal), not "No institution"
    institution_offered = HiddenField(default="1")
    region_code = SelectField(_l("Region"), validate_choice=False,
                              description=_l("Optional. Where the person works."))
    position = SelectField(_l("Position"), validate_choice=False,
                           choices=options([("", _l("Not applicable"))] + list(POSITION_LABELS.items())),
                           description=_l("Required for trainees."))
    locale = SelectField(_l("Preferred language"), validate_choice=False,
                         choices=options([("", _l("Not chosen yet"))] + list(LANGUAGE_NAMES.items())))
    password = PasswordField(_l("Initial password (optional)"), validators=[Optional(), Length(max=200)],
                             description=_l("Leave it empty to e-mail the person an invitation to choose their own "
                                            "password (recommended). Otherwise at least 10 characters, given to "
                                            "them in a safe way."))
    is_active = BooleanField(_l("The account is active"), default=True,
                             description=_l("People with an inactive account cannot sign in."))
    revision = HiddenField()  # what an edit form showed when it was opened
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.searched = self.institution_searched.data  # as sent: the view sets it to what it shows next

    @property
    def is_finding(self) -> bool:
        """Sent to find institutions: with Find, or with words not searched yet (Enter in the search box presses
        Save, the form's first button: the words were meant to be searched, not passed over; an emptied box saves)."""
        words = self.institution_q.data
        return self.is_submitted() and (bool(self.find.data) or bool(words) and words != self.searched)

    @property
    def is_refresh(self) -> bool:
        return super().is_refresh or self.is_finding

    def validate_institution_id(self, field):
        """Sent by the page with none of the institution's radio buttons: Save would drop the person's institution
        unsaid. "No institution" is a choice to make, and shows unchosen until it is made."""
        if self.institution_offered.raw_data and not field.raw_data:
            field.data = None
            raise StopValidation(_l("Choose an institution of the person's country, or “No institution”."))


class InstitutionForm(CountryDependentForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the institution's name")), Length(max=200)])
    country_code = SelectField(_l("Country"), validate_choice=False)
    region_code = SelectField(_l("Region"), validate_choice=False,
                              description=_l("Required for regional institutions."))
    level = SelectField(_l("Level of government"), validate_choice=False,
                        choices=options(LEVEL_LABELS.items()))
    revision = HiddenField()
    submit = SubmitField(_l("Save"))


class CohortForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the cohort's name")), Length(max=200)])
    country_code = SelectField(_l("Country"), validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)],
                                description=_l("Optional. Who is in it and why."))
    revision = HiddenField()
    submit = SubmitField(_l("Save"))


class AddMembersForm(Form):
    members = MultiCheckboxField(_l("People to add"), validate_choice=False)
    submit = SubmitField(_l("Add to the cohort"))


class ConfirmForm(Form):
    """An empty form: only the CSRF token, for buttons that POST."""

    submit = SubmitField(_l("Confirm"))


class ImportForm(CountryDependentForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a CSV or Excel file"))],
                     description=_l("CSV (comma or semicolon) or Excel .xlsx. One row names the columns (rows of "
                                    "titles above it are passed over): e-mail, full name and position are required; "
                                    "institution, region and language are optional."))
    country_code = SelectField(_l("Country"), validate_choice=False,
                               validators=[DataRequired(_l("Choose a country from the list"))])
    cohort_id = SelectField(_l("Add everyone to a cohort"), validate_choice=False,
                            validators=[IdChoice(_l("Choose a cohort of the same country"))],
                            description=_l("Optional. Only cohorts of the chosen country."))
    send_invitations = BooleanField(_l("E-mail each person an invitation to choose a password"), default=True)
    submit = SubmitField(_l("Check the file"))


class LrsClientForm(OnceForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the client a name")), Length(max=200)],
                       description=_l("Who uses these credentials, e.g. “Simulation by the partner university”."))
    scope = RadioField(_l("Access"), choices=options([("read_write", _l("Read and write statements")),
                                                      ("write_own", _l("Write statements and documents, and read "
                                                                       "back only its own")),
                                                      ("read", _l("Read statements only"))]),
                       default="write_own", validators=[DataRequired(_l("Choose the access"))])
    # its range is the service's to say (at least 1024 bytes, at most the site's largest request)
    max_request_bytes = WholeNumberField(_l("Largest request (bytes)"),
                                         message=_l("Give the largest request as a whole number of bytes, "
                                                    "such as 1000000, or leave it empty"),
                                         description=LazyString(lambda: _(
                                             "Optional. Empty means the site's limit, %(size)s bytes.",
                                             size=format_number(current_app.config["XAPI_MAX_REQUEST_BYTES"]))))
    rate_limit = StringField(_l("Rate limit"), validators=[Optional(), Length(max=100)],
                             description=_l("Optional, e.g. “600 per minute”. Empty means no limit. Without "
                                         "Redis (REDIS_URL) each worker process counts on its own."))
    activity_prefixes = TextAreaField(
        _l("Activities it may write about"), validators=[Optional(), Length(max=60_000)],
        description=_l("Optional. One address per line: the client may then write statements and documents only "
                       "about activities whose IRI starts with one of them, such as "
                       "https://partner.example/simulation/. Empty means any activity outside Itinera's own: for "
                       "content that is a module of Itinera's courses, give that module's address, so that its "
                       "statements count as progress in it."),
        render_kw={"rows": 3, "spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"})
    revision = HiddenField()  # what the edit form showed when it was opened
    submit = SubmitField(_l("Save"))

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from app.admin.forms import MultiCheckboxField
from app.forms import Form


class PreferencesForm(Form):
    email_kinds = MultiCheckboxField(_l("Also send me an e-mail"), validate_choice=False,
                                     description=_l("Notifications always appear in Itinera; tick those you also "
                                                    "want by e-mail."))
    submit = SubmitField(_l("Save preferences"))

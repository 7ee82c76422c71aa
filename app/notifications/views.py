from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from app.admin.forms import ConfirmForm
from app.args import is_prefetch, paginate, parse_id
from app.db import commit_once_more_on_conflict
from app.extensions import db
from app.forms import options
from app.notifications import bp, services
from app.notifications.forms import PreferencesForm
from app.notifications.kinds import kinds_for
from app.notifications.models import Notification


@bp.route("/")
@login_required
def index():
    pagination = paginate(services.notifications_of(current_user), per_page=20)
    return render_template("notifications/index.html", pagination=pagination, text_of=services.Reader().text,
                           read_all_form=ConfirmForm(), newest=services.newest_notification_id(current_user))


@bp.route("/<int:notification_id>")
@login_required
def open(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        abort(404)
    # fetched ahead by the browser (a prefetch) or only looked at (a HEAD: a link checker), it has not been read
    services.open_notification(current_user, notification, mark_read=request.method == "GET" and not is_prefetch())
    db.session.commit()
    return redirect(services.link_of(notification) or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # up to the newest the page showed: one that came since has not been seen (a form without it marks all)
    services.mark_all_read(current_user, up_to=parse_id(request.form.get("up_to")))
    db.session.commit()
    later = services.unread_count(current_user)
    flash(ngettext("The notifications shown are marked as read. %(num)s has arrived since and is still new.",
                   "The notifications shown are marked as read. %(num)s have arrived since and are still new.",
                   later) if later else _("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = kinds_for(current_user)
    form = PreferencesForm()
    form.email_kinds.choices = options((kind.name, kind.label) for kind in kinds)
    if request.method == "GET":
        emailed = services.kinds_emailed(current_user, kinds)
        form.email_kinds.data = [kind.name for kind in kinds if kind.name in emailed]
    if form.validate_on_submit():
        chosen = set(form.email_kinds.data or [])
        # a double click before anything was saved: the second request changes the rows the first added
        commit_once_more_on_conflict(lambda: services.set_email_preferences(
            current_user, {kind.name: kind.name in chosen for kind in kinds}))
        flash(_("Your preferences have been saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=kinds)

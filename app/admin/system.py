"""Administrators' view of the machinery: background jobs that need attention, and outgoing e-mail."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ConfirmForm
from app.args import paginate
from app.auth.models import Role
from app.auth.permissions import role_required
from app.errors import ValidationError
from app.extensions import db
from app.jobs import services as jobs
from app.jobs.models import Job
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage


def _page(query, per_page=25):
    return paginate(query, per_page=per_page)


@bp.route("/jobs", endpoint="jobs")
@role_required(Role.ADMIN)
def jobs_list():
    return render_template("admin/jobs.html", pagination=_page(jobs.jobs_needing_attention()), describe=jobs.describe,
                           error_line=jobs.error_line, retry_form=ConfirmForm())


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@role_required(Role.ADMIN)
def job_retry(job_id):
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        jobs.retry(current_user, job)
    except ValidationError as error:
        flash(" ".join(str(m) for m in error.errors.values()), "error")
        return redirect(url_for("admin.jobs"))
    db.session.commit()
    flash(_("The task has been queued again."), "success")
    return redirect(url_for("admin.jobs"))


@bp.route("/outbox")
@role_required(Role.ADMIN)
def outbox():
    q = request.args.get("q", "").strip()
    return render_template("admin/outbox.html", pagination=_page(notifications.outbox(q)), q=q)


@bp.route("/outbox/<int:message_id>")
@role_required(Role.ADMIN)
def outbox_message(message_id):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("admin/outbox_message.html", message=message,
                           body=notifications.hide_links(message.body, message.locale))

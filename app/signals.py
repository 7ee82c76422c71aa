"""Signals one domain sends and others may listen to."""
from blinker import Namespace

_signals = Namespace()

user_created = _signals.signal("user-created")
"""A user account was created. Sender: the new user; kwargs: ``actor``."""

user_signed_in = _signals.signal("user-signed-in")
"""A user signed in successfully. Sender: the user."""

job_failed = _signals.signal("job-failed")
"""A background job failed its last attempt. Sender: the Job."""

cohort_deleting = _signals.signal("cohort-deleting")
"""A cohort is being deleted (its row held, not yet gone). Sender: the cohort."""

invitation_accepted = _signals.signal("invitation-accepted")
"""Someone set their password from an invitation. Sender: the user; kwargs: ``invited_by`` (may be None)."""

module_completed = _signals.signal("module-completed")
"""The progress projection first shows modules of a course (activities named
``BASE/activities/courses/<course>/modules/<module>``) completed, or completed and then passed, whoever sent the
statements (Itinera or an outside client) or the voiding that made it so. Sent once per person and course for a
batch, inside the transaction that stores it, after all its statements are projected, with the person's progress
lock held; a receiver may record through record(). Sender: the user id; kwargs: ``course`` (slug) and ``modules``:
[(module slug, the last statement of the batch about it, as stored; None after a voiding)], in the order the batch
first shows them done."""

module_undone = _signals.signal("module-undone")
"""The progress projection no longer shows modules of a course done as it did (completed, or completed and passed):
a statement that completed or passed one was voided, or a failure scored above the pass came. Sent as
module_completed is (once per person and course for a batch, before module_completed, with the same kwargs: the
statement is the batch's last about the module, None after a voiding); a receiver may record and void through
record() and void()."""

progress_rebuilt = _signals.signal("progress-rebuilt")
"""``lrs rebuild-progress`` has folded every statement again: what the new projection shows done may support courses
the old one did not, or no longer support a course's ``completed``. Sent for a batch of people at a time, inside the
rebuild's transaction; a receiver may record and void through record() and void(), and returns (statements
recorded, statements voided). Sender: None; kwargs: ``people``: {user id: [course slugs their progress names]}."""

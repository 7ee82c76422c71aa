"""Signals one domain sends and others may listen to."""
from blinker import Namespace

_signals = Namespace()

user_created = _signals.signal("user-created")
"""A user account was created. Sender: the new user; kwargs: ``actor``."""

user_signed_in = _signals.signal("user-signed-in")
"""A user signed in successfully. Sender: the user."""

job_failed = _signals.signal("job-failed")
"""A background job failed its last attempt. Sender: the Job."""

invitation_accepted = _signals.signal("invitation-accepted")
"""Someone set their password from an invitation. Sender: the user; kwargs: ``invited_by`` (may be None)."""

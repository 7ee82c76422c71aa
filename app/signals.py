"""Signals one domain sends and others may listen to."""
from blinker import Namespace

_signals = Namespace()

user_created = _signals.signal("user-created")
"""A user account was created. Sender: the new user; kwargs: ``actor``."""

user_signed_in = _signals.signal("user-signed-in")
"""A user signed in successfully. Sender: the user."""

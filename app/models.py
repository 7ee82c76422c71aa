"""Imports every domain's models so that metadata (Alembic, create_all) sees them all."""
from app.auth.models import Role, User, UserRole  # noqa: F401
from app.cohorts.models import Cohort, CohortMember  # noqa: F401
from app.places.models import Country, Institution, Region  # noqa: F401

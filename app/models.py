"""Imports every domain's models so that metadata (Alembic, create_all) sees them all."""
from app.auth.models import AccountToken, Role, User, UserRole  # noqa: F401
from app.cohorts.models import Cohort, CohortMember  # noqa: F401
from app.competences.models import (Area, Competence, Framework, FrameworkUse, FrameworkVersion,  # noqa: F401
                                    ProficiencyLevel, SelfAssessment, ValidatedLevel)
from app.courses.models import AssetBlob, Course, CourseAsset, CourseVersion, Enrolment, Module  # noqa: F401
from app.imports.models import ImportBatch  # noqa: F401
from app.jobs.models import Job  # noqa: F401
from app.notifications.models import Notification, NotificationPreference, OutboxMessage  # noqa: F401
from app.places.models import Country, Institution, Region  # noqa: F401
from app.xapi.models import (ActivityDefinition, Attachment, Document, ForwardQueue, LrsClient,  # noqa: F401
                             Progress, Statement, StatementActivity, StatementAgent)
from app.once import FormSubmission  # noqa: F401
from app.kept import KeptForm  # noqa: F401

"""the retention sweeps read only the rows they delete

A sweep (jobs done or failed, sent e-mails, expired password-reset links) asked for the rows past their time in
id order and, with no index on that time, read every row kept to find none due: some 20 to 45 ms for 200,000 rows
on SQLite and PostgreSQL, paid by a request every SWEEP_SECONDS (bench/sweeps.py, BENCHMARKS.md). The status index
of jobs and of e-mails gains the time as its second column (the same number of indexes to keep up), and reset links
get one on (purpose, expires_at).

Revision ID: b2d4f6a8c0e3
Revises: b9d1f3a5c7e0
Create Date: 2026-12-07 07:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b2d4f6a8c0e3'
down_revision = 'b9d1f3a5c7e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_job_status_finished_at', 'job', ['status', 'finished_at'], unique=False)
    op.drop_index('ix_job_status', table_name='job')
    op.create_index('ix_outbox_message_status_created_at', 'outbox_message', ['status', 'created_at'], unique=False)
    op.drop_index('ix_outbox_message_status', table_name='outbox_message')
    op.create_index('ix_account_token_purpose_expires_at', 'account_token', ['purpose', 'expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_account_token_purpose_expires_at', table_name='account_token')
    op.create_index('ix_outbox_message_status', 'outbox_message', ['status'], unique=False)
    op.drop_index('ix_outbox_message_status_created_at', table_name='outbox_message')
    op.create_index('ix_job_status', 'job', ['status'], unique=False)
    op.drop_index('ix_job_status_finished_at', table_name='job')

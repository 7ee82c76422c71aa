"""agents keyed whatever the case of their e-mail domain

Statements mention agents through xapi_statement_agent, keyed by a hash of the identifier. Until this
revision the key took an mbox and an mbox_sha1sum as written, so mailto:ana@Example.ORG and mailto:ana@example.org
were two agents to the filters, though Data 2.3.1 makes them one. The keys of the statements that mention such an
identifier are made again, as app.xapi.services.agent_key makes them from this revision on.

Revision ID: 5b8e2f1d4c7a
Revises: ec0ccd9c35c2
Create Date: 2026-12-05 09:45:00

"""
import hashlib
import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2f1d4c7a'
down_revision = 'ec0ccd9c35c2'
branch_labels = None
depends_on = None

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
# an mbox whose domain has a capital, or an mbox_sha1sum with a capital hex digit
CAPITALS = r'"mailto:[^"@]*@[^"]*[A-Z]|"mbox_sha1sum"\s*:\s*"[0-9a-fA-F]*[A-F]'


def _key(agent):
    for ifi in IFIS:
        if ifi in agent:
            value = agent[ifi]
            if ifi == "account":
                value = f"{value['homePage']}\x1f{value['name']}"
            elif ifi == "mbox" and isinstance(value, str) and "@" in value:
                local, _, domain = value.rpartition("@")
                value = f"{local}@{domain.lower()}"
            elif ifi == "mbox_sha1sum" and isinstance(value, str):
                value = value.lower()
            return hashlib.sha256(f"{ifi}\x1f{value}".encode("utf-8")).hexdigest()
    return None


def _agents_in(statement):
    """{key: is_direct}, as app.xapi.services._agents_in finds them."""
    found = {}

    def add(agent, direct):
        if not isinstance(agent, dict):
            return
        key = _key(agent)
        if key:
            found[key] = found.get(key, False) or direct
        for member in agent.get("member", []) if agent.get("objectType") == "Group" else []:
            add(member, direct)

    def walk(part, direct):
        add(part.get("actor"), direct)
        target = part.get("object", {})
        if target.get("objectType") in ("Agent", "Group"):
            add(target, direct)
        context = part.get("context", {})
        add(context.get("instructor"), False)
        add(context.get("team"), False)
        if target.get("objectType") == "SubStatement":
            walk(target, False)

    walk(statement, True)
    return found


def upgrade():
    connection = op.get_bind()
    statements = sa.table("xapi_statement", sa.column("seq", sa.BigInteger), sa.column("data", sa.Text))
    agents = sa.table("xapi_statement_agent", sa.column("agent_key", sa.String), sa.column("statement_seq", sa.BigInteger),
                      sa.column("is_direct", sa.Boolean))
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sa.text("SELECT seq, data::text FROM xapi_statement WHERE data::text ~ :capitals"),
                                  {"capitals": CAPITALS})
    else:
        pattern = re.compile(CAPITALS)
        rows = (row for row in connection.execute(sa.select(statements.c.seq, statements.c.data))
                if pattern.search(row[1]))
    for seq, text in list(rows):
        data = json.loads(text)
        if isinstance(data, str):  # stored as a JSON string of itself (repaired by 3c1f0e7a9b52; never here)
            data = json.loads(data)
        connection.execute(sa.delete(agents).where(agents.c.statement_seq == seq))
        keys = _agents_in(data)
        if keys:
            connection.execute(sa.insert(agents), [{"agent_key": key, "statement_seq": seq, "is_direct": direct}
                                                   for key, direct in keys.items()])


def downgrade():
    pass  # the keys made here find the same statements as before, and more

"""Counting the SQL statements a request sends: a page must not ask once more for each row it shows."""
import sqlalchemy as sa

from app.extensions import db


def statements_during(request):
    """(what ``request()`` returned, the SQL statements it sent). The test client gives each request a session
    of its own, as in production: nothing the test loaded hides a query."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = request()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return response, statements

"""Counting the SQL statements a request sends: a page must not ask once more for each row it shows."""
import sqlalchemy as sa

from app.extensions import db


# PostgreSQL: how many sessions of this test's database wait for a lock (pg_locks lists the whole server's: those
# of another test run, on another database, would say a request here waits when it does not yet)
LOCKS_AWAITED = sa.text("SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
                        "WHERE NOT granted AND datname = current_database()")


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


def sqlite_plans_during(request, about: str = "xapi_statement"):
    """(what ``request()`` returned, [(SQL statement, the lines of its EXPLAIN QUERY PLAN)]) for the statements it
    sent that name ``about``: how SQLite read them, with the values they were sent with."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        response = request()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    with db.engine.connect() as connection:
        return response, [(sql, [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, values)])
                          for sql, values in sent if about in sql]


def profile_page_counts(client, login_as, trainee, admin) -> dict:
    """{address: statements sent} for the two pages that show ``trainee``'s competence profile: their own, and
    their page for ``admin``."""
    found = {}
    for who, url in ((trainee, "/auth/account/competences"), (admin, f"/admin/users/{trainee.uuid}")):
        login_as(who)
        response, statements = statements_during(lambda: client.get(url))
        assert response.status_code == 200
        found[url] = len(statements)
    return found

"""Sign-ins kept on the server: signing out ends a session for good, and people see and end their own."""
import re
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import SignIn
from app.db import utcnow
from app.extensions import db
from tests.fixtures.factories import PASSWORD
from tests.fixtures.markup import banners, fields_for

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def sign_in(client, email, remember=False, user_agent=WINDOWS_FIREFOX):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login?lang=en", data=data, headers={"User-Agent": user_agent})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def signed_in(client) -> bool:
    return client.get("/auth/account?lang=en").status_code == 200


def copy_cookie(source, target, name):
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value)


def account_text(client) -> str:
    html = client.get("/auth/account?lang=en").get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[html.index('id="sign-ins"'):]))


def test_a_copy_of_the_session_cookie_stops_working_when_its_owner_signs_out(app, make_user):
    make_user(email="ana@example.org")
    browser, copy = app.test_client(), app.test_client()
    sign_in(browser, "ana@example.org")
    copy_cookie(browser, copy, "session")
    assert signed_in(copy)  # the copy works while the sign-in is open, as any cookie would
    browser.post("/auth/logout")
    assert not signed_in(browser)
    assert not signed_in(copy)


def test_keep_me_signed_in_lasts_without_the_session_and_ends_with_the_sign_out(app, make_user):
    make_user(email="ana@example.org")
    browser = app.test_client()
    sign_in(browser, "ana@example.org", remember=True)
    restarted = app.test_client()  # the browser closed and opened again: only the remember-me cookie is left
    copy_cookie(browser, restarted, "remember_token")
    assert signed_in(restarted)
    stolen = app.test_client()
    copy_cookie(browser, stolen, "remember_token")
    restarted.post("/auth/logout")
    assert not signed_in(stolen)
    assert not signed_in(browser)  # the same sign-in, ended from another window


def test_a_session_from_before_sign_ins_were_kept_is_signed_out(app, client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = f"{user.uuid}:{user.session_version}", True
    assert not signed_in(client)


def test_a_deactivated_person_is_signed_out_even_when_their_sign_in_is_still_current(app, make_user):
    """The session version is bumped on deactivation; an account made inactive some other way (a script, the
    database) must not stay signed in either."""
    user = make_user(email="ana@example.org")
    browser = app.test_client()
    sign_in(browser, "ana@example.org", remember=True)
    assert signed_in(browser)
    db.session.execute(sa.update(type(user)).where(type(user).id == user.id).values(is_active=False))
    db.session.commit()
    assert not signed_in(browser)


def test_the_sign_in_of_an_inactive_account_loads_no_one(app, make_user):
    """The user loader itself refuses an inactive account, rather than leaving it to the session version and to
    Flask-Login's is_authenticated (a page that reads current_user without login_required would see the person)."""
    from app.auth import sign_ins

    user = make_user()
    sign_ins.start(user)
    key = user.sign_in_key
    assert sign_ins.load(user.uuid, key) is user
    user.is_active = False  # no session-version bump: only the flag says it
    db.session.flush()
    assert sign_ins.load(user.uuid, key) is None


def test_people_see_where_they_are_signed_in_and_sign_out_one_device(app, make_user):
    make_user(email="ana@example.org")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "ana@example.org")
    sign_in(phone, "ana@example.org", remember=True, user_agent=ANDROID_CHROME)
    text = account_text(laptop)
    assert "Chrome Mobile on Android" in text and "Kept signed in." in text
    assert "Firefox on Windows This device" in text
    assert "Sign out of every other device" in text
    html = laptop.get("/auth/account?lang=en").get_data(as_text=True)  # each button names its device
    assert '<span class="visually-hidden">Sign out of Chrome Mobile on Android</span>' in html
    phone_id = db.session.scalar(sa.select(SignIn.id).where(SignIn.browser == "Chrome Mobile"))
    response = laptop.post(f"/auth/account/sign-ins/{phone_id}/end?lang=en", follow_redirects=True)
    assert "That device has been signed out." in response.get_data(as_text=True)
    assert not signed_in(phone) and signed_in(laptop)
    assert "Chrome Mobile" not in account_text(laptop)
    again = laptop.post(f"/auth/account/sign-ins/{phone_id}/end?lang=en", follow_redirects=True)  # a double click
    assert again.status_code == 200 and "That device has been signed out." in again.get_data(as_text=True)
    assert not signed_in(phone) and signed_in(laptop)


def test_two_devices_of_the_same_kind_have_sign_out_buttons_told_apart(app, make_user):
    """Two phones alike (or a phone and its private tab) were both "Chrome Mobile on Android": their two buttons
    were both "Sign out of Chrome Mobile on Android", the same name for two different actions. Each now also says
    when that device signed in; a device of its own kind keeps the short name."""
    make_user(email="ana@example.org", locale="en")
    laptop, phone, other_phone = app.test_client(), app.test_client(), app.test_client()
    sign_in(laptop, "ana@example.org")
    sign_in(phone, "ana@example.org", user_agent=ANDROID_CHROME)
    sign_in(other_phone, "ana@example.org", user_agent=ANDROID_CHROME)
    first = db.session.scalar(sa.select(SignIn).where(SignIn.browser == "Chrome Mobile").order_by(SignIn.id))
    first.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    html = laptop.get("/auth/account?lang=en").get_data(as_text=True)
    names = re.findall(r'<span class="visually-hidden">(Sign out of [^<]*)</span>', html)
    assert len(names) == 2 and len(set(names)) == 2, names
    assert all(name.startswith("Sign out of Chrome Mobile on Android, signed in ") for name in names), names
    phone.post("/auth/logout")  # one phone left: its short name again
    html = laptop.get("/auth/account?lang=en").get_data(as_text=True)
    assert '<span class="visually-hidden">Sign out of Chrome Mobile on Android</span>' in html


def test_signing_out_this_device_from_the_list_signs_out(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    [here] = db.session.scalars(sa.select(SignIn.id)).all()
    response = client.post(f"/auth/account/sign-ins/{here}/end?lang=en", follow_redirects=True)
    assert "You have signed out." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_sign_out_of_every_other_device(app, make_user):
    make_user(email="ana@example.org")
    here, *others = [app.test_client() for _ in range(3)]
    for browser in (here, *others):
        sign_in(browser, "ana@example.org")
    response = here.post("/auth/account/sign-ins/end-others?lang=en", follow_redirects=True)
    assert "2 other devices have been signed out." in response.get_data(as_text=True)
    assert signed_in(here) and not any(signed_in(other) for other in others)
    assert "Sign out of every other device" not in account_text(here)
    response = here.post("/auth/account/sign-ins/end-others?lang=en", follow_redirects=True)
    assert "You were signed in on no other device." in response.get_data(as_text=True)
    assert banners(response.get_data(as_text=True)) == [("info", "You were signed in on no other device.")]


def _signed_in_thrice(app, make_user):
    """Ana signed in on three browsers: the one she is on, the two others, and the fields of the button that signs
    the others out, as her account page gives them."""
    make_user(email="ana@example.org")
    here, *others = [app.test_client() for _ in range(3)]
    for browser in (here, *others):
        sign_in(browser, "ana@example.org")
    page = here.get("/auth/account?lang=en").get_data(as_text=True)
    return here, others, fields_for("/auth/account/sign-ins/end-others", page, "post")


def test_sign_out_of_every_other_device_sent_twice_says_both_times_how_many(app, make_user):
    """A double tap on the button: the second sending found no other device left and said "You were signed in on
    no other device", the answer the browser shows last, as if the tap had done nothing. The same form sent again
    now says what the first did; the button of a page opened since still finds nobody."""
    here, others, sent = _signed_in_thrice(app, make_user)
    assert "once" in sent, sent
    for _ in range(2):
        response = here.post("/auth/account/sign-ins/end-others?lang=en", data=sent, follow_redirects=True)
        assert "2 other devices have been signed out." in response.get_data(as_text=True)
    assert signed_in(here) and not any(signed_in(other) for other in others)
    response = here.post("/auth/account/sign-ins/end-others?lang=en", data=dict(sent, once="another"),
                         follow_redirects=True)
    assert "You were signed in on no other device." in response.get_data(as_text=True)


def test_the_same_button_sent_again_after_another_sign_in_signs_that_one_out(app, make_user):
    """The button's one-time token kept a double tap from ending anything more: sent again later (a page kept open,
    Back then the button), it ended nothing and said "2 other devices have been signed out" while a browser signed
    in since stayed signed in. What is open when it comes is signed out, whatever the token."""
    here, others, sent = _signed_in_thrice(app, make_user)
    assert "2 other devices have been signed out." in here.post(
        "/auth/account/sign-ins/end-others?lang=en", data=sent, follow_redirects=True).get_data(as_text=True)
    later = app.test_client()
    sign_in(later, "ana@example.org")
    response = here.post("/auth/account/sign-ins/end-others?lang=en", data=sent, follow_redirects=True)
    assert "1 other device has been signed out." in response.get_data(as_text=True)
    assert signed_in(here) and not signed_in(later)


def test_sign_out_of_every_other_device_sent_twice_at_once_says_both_times_how_many(app, make_user, post_at_once):
    """Both sendings came before either had ended anything: the second waits for the first, and says what it did."""
    from app.auth import views

    ana = make_user(email="ana@example.org")
    others = [app.test_client() for _ in range(2)]
    for browser in others:
        sign_in(browser, "ana@example.org")
    db.session.refresh(ana)
    version = ana.session_version
    responses = post_at_once(ana, "/auth/account/sign-ins/end-others?lang=en", {"once": "the-same-button"},
                             meet=(views, "Form"), follow_redirects=True)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    for response in responses:
        assert "2 other devices have been signed out." in response.get_data(as_text=True)
    assert not any(signed_in(other) for other in others)
    db.session.refresh(ana)
    assert ana.session_version == version + 1  # one ending, not two


def test_signing_out_every_other_device_keeps_this_ones_session_and_keep_me_signed_in(app, make_user):
    """Every other device's cookies end with it (app.auth.devices); this browser's session and its "keep me
    signed in" cookie go on working, and its sign-in stays in the list."""
    make_user(email="ana@example.org")
    here, other = app.test_client(), app.test_client()
    sign_in(here, "ana@example.org", remember=True)
    sign_in(other, "ana@example.org", remember=True)
    stolen = app.test_client()
    copy_cookie(other, stolen, "remember_token")
    assert here.post("/auth/account/sign-ins/end-others?lang=en").status_code == 302
    assert signed_in(here) and not signed_in(other) and not signed_in(stolen)
    restarted = app.test_client()
    copy_cookie(here, restarted, "remember_token")
    assert signed_in(restarted)
    assert "Kept signed in." in account_text(here)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignIn).where(SignIn.ended_at.is_(None))) == 1


def test_nobody_ends_another_persons_sign_in(app, make_user):
    make_user(email="ana@example.org")
    make_user(email="admin@example.org", roles=("admin",), country=None)
    ana, admin = app.test_client(), app.test_client()
    sign_in(ana, "ana@example.org")
    sign_in(admin, "admin@example.org")
    anas = db.session.scalar(sa.select(SignIn.id).join(SignIn.user).where(SignIn.user.has(email="ana@example.org")))
    assert admin.post(f"/auth/account/sign-ins/{anas}/end").status_code == 404
    assert admin.post("/auth/account/sign-ins/end-others").status_code == 302
    assert signed_in(ana)


def _age(days=0, hours=0):
    db.session.execute(sa.update(SignIn).values(last_seen_at=utcnow() - timedelta(days=days, hours=hours)))
    db.session.commit()


def test_a_sign_in_unused_for_12_hours_ends(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    _age(hours=11)
    assert signed_in(client)  # and that use counts: the 12 hours start again
    _age(hours=13)
    assert not signed_in(client)


def test_keep_me_signed_in_lasts_30_days_unused(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org", remember=True)
    _age(days=29)
    assert signed_in(client)
    _age(days=31)
    assert not signed_in(client)


def test_use_is_noted_every_few_minutes_not_on_every_request(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")
    _age(hours=0)
    noted = db.session.scalar(sa.select(SignIn.last_seen_at))
    client.get("/")
    db.session.expire_all()
    assert db.session.scalar(sa.select(SignIn.last_seen_at)) == noted  # within 5 minutes: not written again
    _age(hours=1)
    client.get("/")
    db.session.expire_all()
    assert utcnow() - db.session.scalar(sa.select(SignIn.last_seen_at)) < timedelta(minutes=1)


def test_changing_the_password_ends_the_other_sign_ins_and_keeps_this_one(app, make_user):
    make_user(email="ana@example.org")
    here, other = app.test_client(), app.test_client()
    sign_in(here, "ana@example.org")
    sign_in(other, "ana@example.org", user_agent=ANDROID_CHROME)
    response = here.post("/auth/account/password", data={"current_password": PASSWORD,
                                                         "new_password": "another-long-password"})
    assert response.status_code == 302
    assert signed_in(here) and not signed_in(other)
    assert "Android" not in account_text(here)


def test_finished_sign_ins_are_forgotten_at_the_next_sign_in(app, make_user):
    make_user(email="ana@example.org")
    for _ in range(3):
        browser = app.test_client()
        sign_in(browser, "ana@example.org")
        browser.post("/auth/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignIn)) == 1  # the last one, ended
    sign_in(app.test_client(), "ana@example.org")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignIn).where(SignIn.ended_at.is_(None))) == 1


def test_sign_ins_of_people_who_never_came_back_are_forgotten_at_anyones_sign_in(app, make_user):
    """Only the people who sign in again prune their own: the sign-ins of the others go once no sign-in can be
    open any more (30 days unused), and not before."""
    make_user(email="gone@example.org")
    make_user(email="ana@example.org")
    sign_in(app.test_client(), "gone@example.org", remember=True)
    _age(days=29)
    sign_in(app.test_client(), "ana@example.org")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignIn)) == 2  # it could still be used
    _age(days=31)
    sign_in(app.test_client(), "ana@example.org")
    db.session.expire_all()
    kept = db.session.scalars(sa.select(SignIn)).all()
    assert [s.user.email for s in kept] == ["ana@example.org"]


def test_the_cookies_hold_a_key_the_database_does_not(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org", remember=True)
    key = client.get_cookie("remember_token").value.split("|")[0].split(":")[1]
    stored = db.session.scalar(sa.select(SignIn.key_hash))
    assert len(key) >= 40 and key not in stored and len(stored) == 64


def test_keep_me_signed_in_is_kept_through_a_password_change(app, make_user):
    make_user(email="ana@example.org")
    browser = app.test_client()
    sign_in(browser, "ana@example.org", remember=True)
    response = browser.post("/auth/account/password", data={"current_password": PASSWORD,
                                                            "new_password": "another-long-password"})
    assert response.status_code == 302
    restarted = app.test_client()  # the browser closed and opened again
    copy_cookie(browser, restarted, "remember_token")
    assert signed_in(restarted)


def test_a_reset_link_used_where_someone_else_is_signed_in_leaves_no_way_back_to_them(app, make_user):
    from app.auth.models import TokenPurpose
    from app.auth.tokens import issue_token

    make_user(email="ana@example.org")
    bob = make_user(email="bob@example.org")
    browser = app.test_client()
    sign_in(browser, "ana@example.org", remember=True)
    reset = issue_token(bob, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    response = browser.post(f"/auth/password/reset/{reset}", data={"password": "bobs-new-long-password"})
    assert response.status_code == 302
    assert "bob@example.org" in browser.get("/auth/account?lang=en").get_data(as_text=True)
    _age(hours=13)  # Bob's sign-in ends unused; Ana's "keep me signed in" must not bring her back here
    assert not signed_in(browser)
    anas_cookie = browser.get_cookie("remember_token")
    if anas_cookie is not None:
        restarted = app.test_client()
        restarted.set_cookie("remember_token", anas_cookie.value)
        assert not signed_in(restarted)


def test_the_health_check_neither_reads_nor_notes_a_sign_in(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org")  # a browser that opens /healthz sends its cookies
    _age(hours=1)
    noted = db.session.scalar(sa.select(SignIn.last_seen_at))
    assert client.get("/healthz").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(SignIn.last_seen_at)) == noted


def test_a_user_agent_with_control_characters_signs_in_and_names_no_such_browser(app, client, make_user):
    make_user(email="ana@example.org")
    sign_in(client, "ana@example.org", user_agent="MyApp\x00X/1.2 CFNetwork/1 Darwin/20")  # PostgreSQL: no NUL
    browser, system = db.session.execute(sa.select(SignIn.browser, SignIn.system)).one()
    assert browser == "MyAppX" and system == "iOS"
    assert "MyAppX on iOS" in account_text(client)


def test_signing_out_in_one_browser_leaves_the_others_signed_in(app, make_user):
    make_user(email="ana@example.org")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "ana@example.org", user_agent=ANDROID_CHROME)
    sign_in(laptop, "ana@example.org")
    assert phone.post("/auth/logout").status_code == 302
    assert not signed_in(phone) and signed_in(laptop)


def test_two_sign_ins_at_once_prune_without_a_deadlock(app, make_user):
    """Each sign-in deletes the long-unused sign-ins of everyone: two at once must take those rows in the same
    order. Ana, back after 31 days, deleted her own old sign-in first, then waited on someone else's that Bea's
    sign-in held, while Bea's waited on Ana's: on PostgreSQL one of them failed with a deadlock (a 500)."""
    import threading

    from app.auth import sign_ins
    from tests.fixtures.concurrency import run_threads, until_a_lock_is_awaited

    gone, ana, bea = (make_user(email=f"{name}@example.org") for name in ("gone", "ana", "bea"))
    for person in (gone, ana):  # someone else's first, in the table and by when last used
        with app.test_request_context():
            sign_ins.start(person, remember=True)
        db.session.commit()
    for person, days in ((gone, 40), (ana, 31)):
        db.session.execute(sa.update(SignIn).where(SignIn.user_id == person.id)
                           .values(last_seen_at=utcnow() - timedelta(days=days)))
    db.session.commit()
    ids = {"ana": ana.id, "bea": bea.id}
    prune = "DELETE FROM sign_in WHERE sign_in.last_seen_at <"
    ana_prunes, bea_pruned, errors = threading.Event(), threading.Event(), []

    def meet(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(prune) and threading.current_thread().name == "ana":
            ana_prunes.set()  # Bea signs in now
            # Bea's delete takes what it reaches first and waits for a row Ana holds, or goes through when Ana
            # holds none of them
            until_a_lock_is_awaited(passed=bea_pruned.is_set)

    def pruned(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(prune) and threading.current_thread().name == "bea":
            bea_pruned.set()

    def start(name):
        if name == "bea":
            ana_prunes.wait(10)  # Ana is about to delete everyone's old sign-ins, her own done when it came first
        with app.app_context():
            try:
                sign_ins.start(db.session.get(type(ana), ids[name]))
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (what the test reports)
                errors.append(error)
                db.session.rollback()

    sa.event.listen(db.engine, "after_cursor_execute", pruned)
    try:
        run_threads([threading.Thread(target=start, args=(name,), name=name) for name in ("ana", "bea")],
                    listen=("before_cursor_execute", meet))
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", pruned)
    assert errors == []
    db.session.expire_all()
    assert sorted(s.user.email for s in db.session.scalars(sa.select(SignIn))) == [
        "ana@example.org", "bea@example.org"]

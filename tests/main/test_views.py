def test_landing_page_for_visitors(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/auth/login"' in html


def test_the_landing_page_and_dashboard_promise_only_what_itinera_does(client, login_as):
    """They promised live workshops, verifiable certificates and itineraries a coordinator assigns, which are not
    built yet: a trainee waited for steps that "will appear here"."""
    import re

    promises = " ".join(re.findall(r"<li>(.*?)</li>", client.get("/?lang=en").get_data(as_text=True).split(
        "<main", 1)[1]))
    assert "courses" in promises and "competences" in promises
    for feature in ("workshop", "certificate", "itinerar"):
        assert feature not in promises.lower()
    login_as("trainee", locale="en")
    assert "will appear here" not in client.get("/").get_data(as_text=True)


def test_dashboard_counts_what_the_coordinator_sees(client, login_as, make_user, make_institution, make_cohort):
    make_user(country="CL")
    make_user(country="AR")
    make_institution(country="CL")
    make_cohort(country="AR")
    login_as("coordinator", country="CL")
    html = client.get("/").get_data(as_text=True)
    figures = [int(x) for x in __import__("re").findall(r'class="card__figure">(\d+)<', html)]
    assert figures == [2, 1, 0]  # the coordinator and the Chilean trainee; one institution; no cohort


def test_each_dashboard_card_says_what_it_counts_and_leads_to_acting_on_it(client, login_as, make_user):
    """Three count cards, one caption: each card now says what its figure counts, and a coordinator reaches from
    People the invitations still pending (with how many) and the import of trainees."""
    import re

    make_user(country="CL", password=None)  # invited, no password chosen yet
    make_user(country="CL", password=None)
    login_as("coordinator", country="CL", locale="en")
    html = client.get("/").get_data(as_text=True)
    cards = re.findall(r'<li class="card">(.*?)</li>\s*(?=<li class="card">|</ul>)', html, re.S)
    assert len(cards) == 3
    for card in cards:
        assert re.search(r'<p class="hint">[^<]+', card), card
    people = cards[0]
    assert re.search(r'<a href="/admin/invitations">2 invitations pending</a>', people)
    assert '<a href="/admin/import">Import trainees</a>' in people
    assert 'href="/admin/institutions/new"' in cards[1] and 'href="/admin/cohorts/new"' in cards[2]


def test_a_trainers_dashboard_cards_lead_only_where_a_trainer_may_go(client, login_as):
    login_as("trainer", country="ES", locale="en")
    html = client.get("/").get_data(as_text=True)
    for url in ("/admin/invitations", "/admin/import", "/admin/institutions/new", "/admin/cohorts/new"):
        assert f'href="{url}' not in html, url


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_database_outage(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing/dir/itinera.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "unavailable" and body["reason"]
    assert "no-store" in response.headers["Cache-Control"]


def test_healthz_is_never_answered_from_a_cache(client):
    """A proxy or a monitor that kept an "ok" would report a server up after its database went down."""
    assert "no-store" in client.get("/healthz").headers["Cache-Control"]


def test_the_dashboard_takes_a_trainee_back_to_their_course(client, login_as, synced_course):
    import re

    login_as("trainee", locale="en")
    before = client.get("/").get_data(as_text=True)
    assert "You have not started a course yet." in before and 'href="/courses/"' in before
    client.get("/courses/pilot/modules/intro")  # read (and, being reading-only, completed) the first module
    html = client.get("/").get_data(as_text=True)
    assert 'href="/courses/pilot/"' in html and "1 of 2 modules completed" in html
    assert re.search(r'<progress class="progress" max="2" value="1"', html)
    assert ('href="/courses/pilot/modules/practice"><span aria-hidden="true">Continue</span>'  # the next one
            '<span class="visually-hidden">Continue: <span lang="en">Practice</span></span></a>') in html
    assert '<p>Up next: <span lang="en">Practice</span></p>' in html
    assert "You have not started a course yet." not in html
    assert '<a href="/courses/">See the courses</a>' in html  # more courses, once one is under way or done


def test_the_navigation_marks_the_section_of_the_page(client, login_as, make_user):
    """The section's own page is the current page; a page inside it (a person, an import) marks the section."""
    import re

    login_as("coordinator", country="CL", locale="en")
    person = make_user(country="CL")

    def current(url):
        html = client.get(url).get_data(as_text=True)
        nav = html[html.index('aria-label="Main"'):html.index("</nav>", html.index('aria-label="Main"'))]
        return re.findall(r'aria-current="(\w+)">([^<]+)<', nav)

    assert current("/admin/users") == [("page", "People")]
    assert current(f"/admin/users/{person.uuid}") == [("true", "People")]
    assert current("/admin/import") == [("true", "People")]
    assert current("/admin/invitations") == [("true", "People")]
    assert current("/courses/") == [("page", "Courses")]
    assert current("/competences/") == [("page", "Competences")]
    assert current("/notifications/") == []


def test_the_system_pages_lead_back_home(client, login_as):
    """Background tasks, outgoing e-mail and xAPI clients are reached from the dashboard's System list, not from the
    main navigation: there the navigation marked no section and no breadcrumb led anywhere, a dead end on a phone."""
    import re

    login_as("admin", country=None, locale="en")
    for url in ("/admin/jobs", "/admin/outbox", "/admin/lrs-clients"):
        html = client.get(url).get_data(as_text=True)
        nav = html[html.index('aria-label="Main"'):html.index("</nav>", html.index('aria-label="Main"'))]
        assert re.findall(r'aria-current="(\w+)">([^<]+)<', nav) == [("true", "Home")], url
        trail = html[html.index('class="breadcrumbs"'):html.index("</nav>", html.index('class="breadcrumbs"'))]
        assert '<li><a href="/">Home</a></li>' in trail, url


def test_a_trainers_navigation_has_the_lists_their_dashboard_shows(client, login_as):
    """A trainer reads everyone's institutions and cohorts (README, "What each role can do"), and the dashboard
    counts them, but the navigation left both out: on their pages no section was marked."""
    import re

    login_as("trainer", country="ES", locale="en")
    html = client.get("/").get_data(as_text=True)
    for url in ("/admin/institutions", "/admin/cohorts"):
        assert f'href="{url}"' in html  # the dashboard's cards
    nav = lambda page: page[page.index('aria-label="Main"'):page.index("</nav>", page.index('aria-label="Main"'))]
    assert re.findall(r'<a href="([^"]+)"', nav(html)) == ["/", "/courses/", "/admin/users", "/admin/institutions",
                                                         "/admin/cohorts", "/competences/"]
    for url, label in (("/admin/institutions", "Institutions"), ("/admin/cohorts", "Cohorts")):
        assert re.findall(r'aria-current="(\w+)">([^<]+)<', nav(client.get(url).get_data(as_text=True))) \
            == [("page", label)]


def test_the_account_menu_marks_the_page_too(client, login_as):
    """Notifications and the account are reached from the account menu: on their pages it says where one is, as
    the main navigation does for its sections, and nowhere else."""
    import re

    login_as("trainee", country="CL", locale="es")

    def current(url):
        html = client.get(url).get_data(as_text=True)
        menu = html[html.index('class="account-menu"'):html.index("</form>", html.index('class="account-menu"'))]
        return re.findall(r'aria-current="(\w+)">([^<]+)<', menu)

    assert current("/notifications/") == [("page", "Notificaciones")]
    assert current("/notifications/preferences") == [("true", "Notificaciones")]
    assert current("/auth/account") == [("page", "Su cuenta")]
    assert current("/auth/account/competences") == [("true", "Su cuenta")]
    assert current("/") == [] and current("/courses/") == []


def test_the_dashboard_invites_a_trainee_to_estimate_their_levels_until_they_have(client, login_as, sample_framework):
    from app.competences.services import self_assess
    from app.extensions import db

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/auth/account/competences/estimate">Estimate your levels</a>' in page
    self_assess(trainee, sample_framework, {"A1": 1})
    db.session.commit()
    assert "Estimate your levels" not in client.get("/").get_data(as_text=True)
    login_as("coordinator", country="CL", locale="en")
    assert "Estimate your levels" not in client.get("/").get_data(as_text=True)


def test_the_invitation_to_estimate_is_about_the_framework_the_estimate_page_asks_of(client, login_as,
                                                                                      sample_framework):
    """The dashboard counted an estimate of any framework, the estimate page asks of the configured one: a trainee
    whose estimates were of another framework (the programme changed frameworks) was no longer invited, while
    their competences showed no estimate; and with no framework loaded, the invitation led to a page that said
    there was nothing to estimate."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework, self_assess
    from app.extensions import db
    from tests.fixtures.competences import SAMPLE

    invitation = 'href="/auth/account/competences/estimate">Estimate your levels</a>'
    trainee = login_as("trainee", country="CL", locale="en")
    client.application.config["COMPETENCE_FRAMEWORK"] = "not-loaded"
    assert invitation not in client.get("/").get_data(as_text=True)
    assert "Your competences" in client.get("/").get_data(as_text=True)
    self_assess(trainee, sample_framework, {"A1": 1})  # of "demo"
    other, _ = import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("slug: demo", "slug: other"), "other.yaml"),
                                source="other.yaml")
    db.session.commit()
    client.application.config["COMPETENCE_FRAMEWORK"] = "other"
    assert invitation in client.get("/").get_data(as_text=True)
    self_assess(trainee, other.framework, {"B1": 2})
    db.session.commit()
    assert invitation not in client.get("/").get_data(as_text=True)


def test_a_trainees_competence_links_stand_under_their_own_heading(client, login_as, sample_framework):
    """They trailed the itinerary hint of *Your learning* as loose paragraphs; the page's outline should name them."""
    import re

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    page = client.get("/").get_data(as_text=True)
    headings = [(m.start(), m.group(1)) for m in re.finditer(r"<h2>([^<]+)</h2>", page)]

    def section_of(text):
        return [title for start, title in headings if start < page.index(text)][-1]

    assert section_of('href="/auth/account/competences">Your competences</a>') == "Competences"
    assert section_of('href="/auth/account/competences/estimate">Estimate your levels</a>') == "Competences"
    assert section_of("You have not started a course yet.") == "Your learning"


def test_the_progress_of_a_course_of_one_module_reads_in_the_singular(client, login_as, app, tmp_path,
                                                                      sample_framework):
    """A course with one module to complete read "0 of 1 modules completed" on the dashboard (and "0 de 1
    módulos concluídos"): the count of modules now takes its plural from the number."""
    from tests.fixtures.courses import COURSE_YAML, build_tree, sync_tree

    root = build_tree(tmp_path / "c", course_yaml=COURSE_YAML.replace("  intro: viewed\n", ""))
    app.config["COURSES_DIR"] = str(root)
    sync_tree(root)
    login_as("trainee", locale="en")
    client.get("/courses/pilot/modules/intro")  # optional: only the practice is to complete
    assert "0 of 1 module completed" in client.get("/").get_data(as_text=True)

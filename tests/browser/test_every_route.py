"""Every GET page of ``app.url_map``, as each role sees it (demo data, real ids), at 360 px in Spanish and
Brazilian Portuguese: check_page (axe, weight, overflow; overflow at wider screens too), axe's WCAG 2.2 A/AA rules at any impact, the page's
language, a skip link first, one h1 and headings in order, tables with a caption and headers, a visible focus on
every control, nothing that needs JavaScript; then each form sent back empty, without JavaScript: an error summary
linking to its fields, aria-invalid and aria-describedby on them, a title starting with "Error:"."""
import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from werkzeug.routing import BuildError

from app.auth.models import Role, TokenPurpose, User
from app.auth.services import SYSTEM, create_user
from app.auth.tokens import issue_token, send_invitation
from app.cohorts.models import Cohort
from app.competences.services import get_framework
from app.courses.models import Course
from app.demo import load_demo
from app.extensions import db
from app.imports.services import preview
from app.notifications.models import OutboxMessage
from app.notifications.services import notify
from app.places.models import Institution
from app.xapi.clients import create_client
from tests.fixtures.browser import NARROW, axe_problems, layout_problems, start_axe
from tests.fixtures.factories import PASSWORD

pytestmark = pytest.mark.browser

# GET routes that answer something other than a page, or that no person opens: each with its reason
NOT_PAGES = {
    "static": "files", "main.healthz": "a probe for the load balancer",
    "places.regions": "JSON for itinera.js", "places.institutions": "JSON for itinera.js",
    "places.cohorts": "JSON for itinera.js", "competences.export": "a CSV or XLSX file",
    "courses.asset": "a course's image or file", "admin.import_template": "a CSV file",
    "admin.import_problems": "a CSV file",
    **{endpoint: "the LRS's JSON API" for endpoint in ("xapi.about", "xapi.activities", "xapi.activity_profile",
                                                       "xapi.agent_profile", "xapi.agents", "xapi.state",
                                                       "xapi.statements")},
}
# who signs in, in which language: a trainee in each, the others in one each (trainees first: a page axe has
# checked in a language is not checked by axe again for a later role; the page's own checks still run)
ROLES = [
    ("visitor", None, "es"),
    ("trainee", "technician.cl@itinera.test", "es"),
    ("trainee", "manager.br@itinera.test", "pt_BR"),
    ("coordinator", "coord.cl@itinera.test", "es"),
    ("trainer", "trainer@itinera.test", "pt_BR"),
    ("admin", "admin@itinera.test", "es"),
]
ERROR_TITLE = re.compile(r"^(Error|Erro): \S")
# past the phone: a small tablet, a large one held upright, a laptop's window split in two, a laptop
WIDER = (480, 640, 768, 1024)

# What axe does not see, on the page as loaded. Returns a list of problems (empty when all is well).
PAGE_SCRIPT = """(locale) => {
  const problems = [];
  const lang = document.documentElement.getAttribute('lang');
  if (lang !== locale.replace('_', '-')) problems.push(`html lang is ${lang}, not ${locale}`);
  const focusable = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const visible = (el) => !el.hidden && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  // a page with the site's header (blocks repeated on every page) starts with a way past them
  const first = document.body.querySelector(focusable);
  if (document.querySelector('body > header') && (!first || !first.matches('a.skip-link[href="#main"]') || !document.getElementById('main')))
    problems.push('the first thing to focus is not a skip link to #main');
  // the error summary's h2 comes before the h1, as in the GOV.UK pattern: left out of the order
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible).filter((h) => !h.closest('.error-summary'));
  const h1s = headings.filter((h) => h.tagName === 'H1').length;
  if (h1s !== 1) problems.push(`${h1s} h1 headings`);
  let level = 0;
  for (const h of headings) {
    const n = Number(h.tagName[1]);
    if (n > level + 1) problems.push(`heading h${n} "${h.textContent.trim().slice(0, 40)}" follows h${level}`);
    level = n;
  }
  for (const table of document.querySelectorAll('table')) {
    // a course's Markdown table has no caption: the scrolling region around it is named instead
    const name = table.caption?.textContent.trim() || table.getAttribute('aria-label') || table.getAttribute('aria-labelledby')
      || table.closest('[role=region][aria-label]');
    if (!name) problems.push(`a table without a caption: ${table.outerHTML.slice(0, 60)}`);
    if (!table.querySelector('th')) problems.push(`a table without header cells: ${table.caption?.textContent}`);
  }
  // works without JavaScript: nothing that only a script could make act
  for (const el of document.querySelectorAll('[onclick], [onchange], [onsubmit], a[href^="javascript:"], a[href="#"], button[type=button], noscript'))
    problems.push(`needs JavaScript: ${el.outerHTML.slice(0, 80)}`);
  // a visible focus on every control: its look changes when it takes the keyboard focus
  const look = (el) => { const s = getComputedStyle(el);
    return [s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)' ? s.outlineStyle + s.outlineColor : '',
            s.boxShadow, s.backgroundColor, s.color, s.textDecorationLine].join('|'); };
  document.activeElement?.blur();  // (after the Tab that put the browser in keyboard mode)
  // a disclosure's controls too (the header's menu on a phone): opened, and left open for axe
  for (const details of document.querySelectorAll('details:not([open])')) details.open = true;
  for (const el of document.querySelectorAll(focusable)) {
    if (!visible(el) && !el.matches('.skip-link')) continue;
    const before = look(el);
    el.focus();
    if (document.activeElement !== el) { problems.push(`cannot be focused: ${el.outerHTML.slice(0, 80)}`); continue; }
    if (!el.matches(':focus-visible') || look(el) === before)
      problems.push(`no visible focus: ${el.outerHTML.slice(0, 80)}`);
    el.blur();
  }
  return problems;
}"""

# A form sent back: what the error summary pattern asks of it. Returns a list of problems.
ERROR_SCRIPT = """() => {
  const problems = [];
  const summary = document.querySelector('.error-summary');
  if (!summary) return ['no error summary'];
  if (!summary.matches('[role=alert][tabindex="-1"]')) problems.push('the summary is not an alert that can take the focus');
  const links = [...summary.querySelectorAll('a')];
  const invalid = [...document.querySelectorAll('main [aria-invalid=true]')];
  for (const a of links) {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    if (!target || !target.matches('input, select, textarea')) { problems.push(`the summary links to ${a.getAttribute('href')}: no field`); continue; }
    const group = target.closest('fieldset[aria-describedby]');
    if (target.getAttribute('aria-invalid') !== 'true' && !group) problems.push(`#${target.id} is not aria-invalid`);
    const described = (target.getAttribute('aria-describedby') || group?.getAttribute('aria-describedby') || '').split(/\\s+/);
    const message = described.map((id) => document.getElementById(id)).find((el) => el && el.matches('.field-error'));
    if (!message) problems.push(`#${target.id}: aria-describedby does not name its error message`);
  }
  for (const el of invalid) if (!links.some((a) => a.getAttribute('href') === '#' + el.id))
    problems.push(`#${el.id} is aria-invalid but the summary does not link to it`);
  for (const message of document.querySelectorAll('main .field-error'))
    if (!document.querySelector(`[aria-describedby~="${message.id}"]`)) problems.push(`#${message.id} describes no field`);
  if (!links.length && !summary.querySelector('li')) problems.push('an empty error summary');
  return problems;
}"""


@dataclass
class Found:
    problems: list = field(default_factory=list)
    pages: dict = field(default_factory=dict)  # role -> {path: status}
    rules: dict = field(default_factory=dict)  # rule -> {status, ...}
    forms: dict = field(default_factory=dict)  # (role, path, index, locale) -> "errors shown" / "accepted empty"


def demo_world(app):
    """The demo data, and the records it lacks (an invitation, an e-mail, a job, an LRS client, an import, a
    notification for everyone who signs in); returns, per account, the values of every URL argument."""
    load_demo(PASSWORD)
    db.session.commit()
    user = lambda email: db.session.scalar(sa.select(User).where(User.email == email))  # noqa: E731
    admin = user("admin@itinera.test")
    invited = create_user(SYSTEM, email="ignacio.vera@itinera.test", full_name="Ignacio Vera", roles={Role.TRAINEE},
                          password=None, country_code="CL", position="technician")
    send_invitation(admin, invited)
    client, _secret = create_client(admin, "Simulación")
    batch = preview(user("coord.cl@itinera.test"), filename="lista.csv", country_code="CL",
                    data="correo;nombre completo;cargo\nana@example.org;Ana Soto;técnica\n".encode())
    framework = get_framework("s3").current
    course = db.session.scalar(sa.select(Course))
    version = course.versions[-1]
    tokens = {"invitation": issue_token(invited, TokenPurpose.INVITATION, SYSTEM),
              "reset": issue_token(user("camila.rojas@itinera.test"), TokenPurpose.PASSWORD_RESET)}
    message = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    values = {}
    for _role, email, _locale in ROLES:
        me = user(email) if email else None
        country = me.country_code if me and me.country_code in ("AR", "BR", "CL", "CO", "MX", "PE") else "CL"
        notification = notify(me, "added_to_cohort", cohort="Cohorte piloto") if me else None
        someone = db.session.scalar(sa.select(User).where(User.country_code == country,
                                                          User.email.like("technician.%")))
        values[email] = {
            "cohort_id": db.session.scalar(sa.select(Cohort.id).where(Cohort.country_code == country)),
            "institution_id": db.session.scalar(sa.select(Institution.id).where(Institution.country_code == country)),
            "user_uuid": someone.uuid, "batch_id": batch.id, "client_id": client.id, "message_id": message.id,
            "notification_id": notification.id if notification else 1,
            "number": 1, ("courses", "number"): version.version, "module": version.modules[0].slug,
            "token": tokens["invitation"],
            ("competences", "slug"): framework.framework.slug,
            ("courses", "slug"): course.slug,
            ("competences.competence", "code"): framework.competences[0].code,
            ("competences.edit_competence", "code"): framework.competences[0].code,
            ("competences.edit_area", "code"): framework.areas[0].code,
            ("auth.reset_password", "token"): tokens["reset"],
        }
    db.session.commit()
    return values


def page_urls(app, values) -> list[tuple[str, str]]:
    """(URL, rule) for every GET rule of the app that is a page, with the values of ``values``; a rule whose
    arguments have no value fails the test, so a new page cannot go unvisited."""
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            blueprint = rule.endpoint.split(".")[0]
            args = {}
            for name in rule.arguments:
                for key in ((rule.endpoint, name), (blueprint, name), name):
                    if key in values:
                        args[name] = values[key]
                        break
                else:
                    pytest.fail(f"no value for <{name}> of {rule.rule} ({rule.endpoint}): add one to demo_world")
            try:
                urls.append((rule.build(args, append_unknown=False)[1], rule.rule))
            except BuildError as error:
                pytest.fail(str(error))
    return sorted(set(urls))


def sign_in(page, base, email, locale):
    page.goto(f"{base}/auth/login?lang={locale}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state("load")
    assert "/auth/login" not in page.url, f"{email} could not sign in"


def form_pages(page) -> list[int]:
    """Indexes of the page's forms that have fields to fill (not the one-button forms: sign out, delete...)."""
    return page.evaluate("""() => [...document.querySelectorAll('main form')].map((f, i) => [f, i]).filter(([f]) =>
        (f.method || '').toLowerCase() === 'post' && [...f.elements].some((el) =>
          el.matches('input:not([type=hidden]):not([type=submit]), select, textarea') && el.getClientRects().length))
        .map(([f, i]) => i)""")


def send_back_empty(page, url, index) -> None:
    """Sends form ``index`` of ``url`` with its text fields emptied, as a keyboard user does: Enter in its first
    text field (the form's default button), or its first button that is not a secondary one."""
    page.goto(url)
    form = page.locator("main form").nth(index)
    boxes = [box for box in form.locator("input[type=text], input[type=email], input[type=password], "
                                         "input[type=number], input[type=url], input[type=date], input:not([type]), "
                                         "textarea").all() if box.is_visible() and box.is_editable()]
    for box in boxes:
        box.fill("")
    text_boxes = [box for box in boxes if box.evaluate("el => el.tagName") == "INPUT"]
    if text_boxes:
        text_boxes[0].press("Enter")
    else:
        buttons = form.locator("button[type=submit]:visible, input[type=submit]:visible")
        primary = buttons.and_(form.locator(":not(.button--secondary)"))
        (primary if primary.count() else buttons).first.click()
    page.wait_for_load_state("load")


def test_every_page_for_every_role(app, browser, live_server, axe_source):
    values = demo_world(app)
    base = live_server
    found = Found()
    js = browser.new_context(viewport=NARROW, locale="en-GB")
    nojs = browser.new_context(viewport=NARROW, locale="en-GB", java_script_enabled=False)
    for context in (js, nojs):
        context.set_default_timeout(10_000)
    tabs, bare = [js.new_page(), js.new_page()], nojs.new_page()
    running = {}  # tab -> where: axe runs there while the next page loads in another tab

    def collect(tab):
        if tab in running:
            where = running.pop(tab)
            found.problems.extend(f"{where}: {p}" for p in axe_problems(tab, wcag=True))

    axed = set()  # (path, status, locale)

    def check(tab, where, locale, script_skips=(), axe_key=None):
        found.problems.extend(f"{where}: {p}" for p in layout_problems(tab))
        if tab is not bare:  # nor does the page overflow on wider screens, where tables stop stacking
            for width in WIDER:
                tab.set_viewport_size({"width": width, "height": NARROW["height"]})
                found.problems.extend(f"{where}: {p}" for p in layout_problems(tab) if "overflows" in p)
            tab.set_viewport_size(NARROW)
        tab.keyboard.press("Tab")  # the keyboard in use, as :focus-visible takes it
        found.problems.extend(f"{where}: {p}" for p in tab.evaluate(PAGE_SCRIPT, locale)
                              if not any(skip in p for skip in script_skips))
        # axe needs the page's timers, which do not run without JavaScript
        if tab is not bare and axe_key not in axed:
            axed.add(axe_key)
            start_axe(tab, axe_source)
            running[tab] = where

    def send_back(role, locale, path, index):
        collect(bare)
        where = f"{role} {locale} {path} form {index + 1}"
        send_back_empty(bare, base + path, index)
        if not bare.locator(".error-summary").count():
            found.forms[(role, path, index, locale)] = f"accepted empty -> {bare.url.removeprefix(base)}"
            return
        found.forms[(role, path, index, locale)] = "errors shown"
        title = bare.title()
        if not ERROR_TITLE.match(title):
            found.problems.append(f"{where}: sent back, its title is {title!r}")
        found.problems.extend(f"{where}: {p}" for p in bare.evaluate(ERROR_SCRIPT))
        # (without JavaScript, the error summary does not take the focus: a keyboard check would see that)
        check(bare, where, locale, script_skips=("visible focus", "focused"))

    turn = 0
    for role, email, locale in ROLES:
        for tab in (*tabs, bare):
            collect(tab)
        js.clear_cookies()
        nojs.clear_cookies()
        for tab in (tabs[0], bare):
            if email:
                sign_in(tab, base, email, locale)
            tab.goto(f"{base}/?lang={locale}")  # the language asked for (saved, for someone signed in)
        seen = found.pages.setdefault(f"{role} {email or ''} {locale}", {})
        forms, checked = [], set()
        for path, rule in page_urls(app, values[email]):
            tab = tabs[turn % 2]
            collect(tab)
            response = tab.goto(base + path)
            status = response.status if response else None
            seen[path] = status if tab.url == base + path else f"{status} at {tab.url.removeprefix(base)}"
            found.rules.setdefault(rule, set()).add(seen[path])
            if "text/html" not in (response.headers.get("content-type", "") if response else ""):
                continue
            # a refusal, or the sign-in page one is sent to, is checked once per role
            shown = tab.url if status == 200 else status
            if shown in checked:
                continue
            checked.add(shown)
            turn += 1
            check(tab, f"{role} {locale} {path} ({status})", locale,
                  axe_key=(tab.url.removeprefix(base), status, locale))
            if status == 200 and tab.url == base + path:
                forms += [(path, index) for index in form_pages(tab)
                          if not any(k[1:] == (path, index, locale) for k in found.forms)]
            if forms:  # while axe runs in the tabs
                send_back(role, locale, *forms.pop())
        while forms:
            send_back(role, locale, *forms.pop())
    for tab in (*tabs, bare):
        collect(tab)
    js.close()
    nojs.close()
    # every page was seen by someone: an id that matches nothing (a 404 for all) would make the crawl hollow
    unseen = [rule for rule, statuses in found.rules.items() if not any(
        status == 200 or (isinstance(status, str) and status.startswith("200 at ") and " at /auth/login" not in status)
        for status in statuses)]
    assert not unseen, f"no role could open {unseen}: {found.pages}"
    assert "errors shown" in found.forms.values()
    assert not found.problems, f"{len(found.problems)} problems:\n" + "\n".join(found.problems)

"""Every action a person taps stands alone at least 24 by 24 CSS px (WCAG 2.2, 2.5.8 Target Size, Minimum), not the
16 to 19 px of a line of text: a summary list's "Change", a heading's "Change", a table's links, a breadcrumb, a
page of a list. Only a link inside a sentence is exempt (its size is the sentence's line)."""
import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.cohorts.models import Cohort
from app.extensions import db
from tests.fixtures.browser import sign_in_in_language
from tests.fixtures.pages import demo_world

pytestmark = pytest.mark.browser

# The targets of the page (header, main, footer) with their size; a link whose nearest block (other than a heading)
# holds other text is in a sentence, and left out. Course content (.prose) is an author's text, also left out.
TARGETS = """() => {
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const block = (el) => { let b = el.parentElement;
    while (b && getComputedStyle(b).display.startsWith('inline')) b = b.parentElement; return b; };
  const own = (el) => el.innerText.replace(/\\s+/g, '');
  const found = [];
  for (const el of document.querySelectorAll('a[href], button, summary, .link-button')) {
    if (!visible(el) || el.matches('.skip-link') || el.closest('.prose')) continue;
    const around = block(el);
    // in a sentence; a heading's link ("Change") is an action beside its words, not one of them
    if (around && !around.matches('h1, h2, h3, h4') && own(around).replace(own(el), '') !== '') continue;
    const r = el.getBoundingClientRect();
    found.push({text: el.innerText.trim().slice(0, 40), width: r.width, height: r.height,
                where: (el.className ? '.' + el.className : '') + ' in ' + el.parentElement.tagName.toLowerCase()
                       + (el.parentElement.className ? '.' + el.parentElement.className : '')});
  }
  return found;
}"""


def test_every_action_link_is_at_least_24_px_square(app, browser, live_server):
    demo_world(app)
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@itinera.test"))
    someone = db.session.scalar(sa.select(User).where(User.email == "technician.cl@itinera.test"))
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.country_code == "CL"))
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    sign_in_in_language(page, live_server, admin.email, "es")
    page.goto(f"{live_server}/?lang=es")
    small, seen = [], {}
    for path in (f"/admin/users/{someone.uuid}", "/auth/account", "/competences/s3/", "/admin/institutions",
                 f"/admin/cohorts/{cohort.id}", "/admin/users", "/admin/outbox", "/courses/s3-foundations/",
                 "/courses/s3-foundations/print", "/"):
        page.goto(live_server + path)
        targets = page.evaluate(TARGETS)
        seen[path] = {target["where"] for target in targets}
        small += [f"{path}: {t['width']:.0f}x{t['height']:.0f} {t['text']!r} ({t['where']})"
                  for t in targets if t["width"] < 24 or t["height"] < 24]
    context.close()
    # the kinds of target this is about were there to be measured
    everywhere = set().union(*seen.values())
    for where in ("in dd.summary-list__actions", ".heading-link in h2", "in li", "in td.numeric"):
        assert any(where in w for w in everywhere), (where, everywhere)
    assert not small, f"{len(small)} targets under 24 x 24 px:\n" + "\n".join(small)

"""Every GET page of ``app.url_map``, as each role sees it (demo data, real ids), at 360 px in Spanish and
Brazilian Portuguese: check_page (axe, weight, overflow; overflow at wider screens and at 320 px too, and with WCAG's
text spacing), axe's WCAG 2.2 A/AA rules at any impact, the page's
language, a skip link first, one h1 and headings in order, tables with a caption and headers, a visible focus on
every control, nothing that needs JavaScript; then each form sent back empty, without JavaScript: an error summary
linking to its fields, aria-invalid and aria-describedby on them, a title starting with "Error:"."""
import re
from dataclasses import dataclass, field

import pytest

from tests.fixtures.browser import NARROW, axe_problems, layout_problems, sign_in_in_language, start_axe
from tests.fixtures.pages import ROLES, demo_world, page_urls

pytestmark = pytest.mark.browser

ERROR_TITLE = re.compile(r"^(Error|Erro): \S")
# past the phone: a small tablet, a large one held upright, a laptop's window split in two, a laptop
WIDER = (480, 640, 768, 1024)
# WCAG 1.4.10 Reflow: 320 CSS px (a 1280 px screen at 400 %), narrower than the phones of NARROW
NARROWEST = {"width": 320, "height": 640}

# WCAG 1.4.12 Text Spacing: the page spaced as a reader's own style sheet may space it loses nothing: no sideways
# scrolling, no text cut off by a box that hides what overflows it. The rules go in through the CSSOM, which the
# site's Content-Security-Policy (style-src 'self') allows, and come out after. Returns a list of problems.
TEXT_SPACING_SCRIPT = """() => {
  const sheet = [...document.styleSheets].find((s) => s.href && s.href.includes('/static/css/'));
  if (!sheet) return [];
  const rules = ['* { line-height: 1.5 !important; letter-spacing: 0.12em !important; }',
                 '* { word-spacing: 0.16em !important; }', 'p { margin-bottom: 2em !important; }'];
  for (const rule of rules) sheet.insertRule(rule, sheet.cssRules.length);
  const problems = [];
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) problems.push(`overflows with WCAG text spacing: ${width}px wide at ${innerWidth}px`);
  const hides = (value) => value === 'hidden' || value === 'clip';
  for (const el of document.querySelectorAll('main *, header *')) {
    // (a visually hidden text is a box of 1 px on purpose; a field scrolls its own text)
    if (el.clientWidth <= 1 || el.matches('input, select, textarea') || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if ((hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1))
      problems.push(`cut off with WCAG text spacing: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const _rule of rules) sheet.deleteRule(sheet.cssRules.length - 1);
  return problems;
}"""

# What axe does not see, on the page as loaded. ``served`` is the page's HTML as the server sent it (null when the
# page was loaded without JavaScript: then it is the page as loaded). Returns a list of problems (empty when all is
# well).
PAGE_SCRIPT = """([locale, served]) => {
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
  // works without JavaScript: nothing that only a script could make act, in the page as served (a control our
  // script adds, such as a password's "Show" button, is not there without it: it leaves nothing dead behind)
  const asServed = served === null ? document : new DOMParser().parseFromString(served, 'text/html');
  for (const el of asServed.querySelectorAll('[onclick], [onchange], [onsubmit], a[href^="javascript:"], a[href="#"], button[type=button], noscript'))
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

    def check(tab, where, locale, script_skips=(), axe_key=None, served=None):
        found.problems.extend(f"{where}: {p}" for p in layout_problems(tab))
        if tab is not bare:  # nor does the page overflow on wider screens, where tables stop stacking
            for width in WIDER:
                tab.set_viewport_size({"width": width, "height": NARROW["height"]})
                found.problems.extend(f"{where}: {p}" for p in layout_problems(tab) if "overflows" in p)
            tab.set_viewport_size(NARROWEST)  # nor at 320 px, with its text spaced out or not
            found.problems.extend(f"{where}: {p}" for p in layout_problems(tab) if "overflows" in p)
            found.problems.extend(f"{where}: {p}" for p in tab.evaluate(TEXT_SPACING_SCRIPT))
            tab.set_viewport_size(NARROW)
        tab.keyboard.press("Tab")  # the keyboard in use, as :focus-visible takes it
        found.problems.extend(f"{where}: {p}" for p in tab.evaluate(PAGE_SCRIPT, [locale, served])
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
                sign_in_in_language(tab, base, email, locale)
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
                  axe_key=(tab.url.removeprefix(base), status, locale), served=response.text())
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

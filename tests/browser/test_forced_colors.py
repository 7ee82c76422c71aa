"""Forced colours (Windows' contrast themes, 1.4.11 and 2.4.7): the browser drops backgrounds and shadows and
paints borders and outlines in the theme's colours, so what we show by a background or a shadow must also be
shown by something the theme keeps."""
import pytest

from tests.fixtures.browser import sign_in

pytestmark = pytest.mark.browser

FOCUS_RING = """() => { const el = document.activeElement, s = getComputedStyle(el);
  return {name: (el.innerText || el.name || el.tagName).trim().split('\\n')[0],
          ring: el === document.body || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)}; }"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_focus_stays_visible_in_forced_colours(page, live_server, coordinator, width):
    """Links, the menu's button and the sign-out button showed their focus by a yellow background and a dark bar
    drawn as a shadow, with the outline turned off: a contrast theme removes both, and the focus vanished."""
    page.set_viewport_size({"width": width, "height": 740})
    sign_in(page, live_server, "coord@example.org")
    page.emulate_media(forced_colors="active")
    page.goto(f"{live_server}/auth/account")
    menu = page.locator("details.site-menu")
    if menu.locator("summary").is_visible():
        menu.evaluate("details => { details.open = true; }")
    unseen = []
    for _ in range(20):  # the skip link, the header's links and buttons, the page's first controls
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_RING)
        if not focus["ring"]:
            unseen.append(focus["name"])
    assert not unseen, f"no focus ring in forced colours on: {unseen}"


def test_the_current_section_is_marked_in_forced_colours_on_a_phone(page, live_server, coordinator):
    """In the phone's menu the section one is in was marked only by a bar drawn as an inset shadow, which a
    contrast theme removes: every section looked the same."""
    sign_in(page, live_server, "coord@example.org")
    page.emulate_media(forced_colors="active")
    page.locator("details.site-menu > summary").click()
    kept = """a => { const s = getComputedStyle(a);
      return [s.borderLeftWidth, s.borderLeftStyle, s.fontWeight, s.textDecorationLine, s.outlineStyle].join(' '); }"""
    links = page.get_by_role("navigation", name="Principal").get_by_role("link")
    current = [link.evaluate(kept) for link in links.all() if link.get_attribute("aria-current")]
    others = {link.evaluate(kept) for link in links.all() if not link.get_attribute("aria-current")}
    assert len(current) == 1 and others
    assert current[0] not in others, "the current section looks like the others in forced colours"


@pytest.mark.parametrize("width", [360, 1280])
def test_tags_and_the_unread_count_keep_their_box_in_forced_colours(page, live_server, shipped_course,
                                                                   coordinator, width):
    """A status tag ("Not started") and the unread count were boxes drawn only by their background, which a
    contrast theme drops: they became loose words run into the text beside them."""
    page.set_viewport_size({"width": width, "height": 740})
    sign_in(page, live_server, "coord@example.org")
    page.emulate_media(forced_colors="active")
    page.goto(f"{live_server}/courses/s3-foundations/")
    boxed = """el => { const s = getComputedStyle(el);
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1)
          || (s.borderTopStyle !== 'none' && parseFloat(s.borderTopWidth) >= 1); }"""
    tags = page.locator(".task-list__item > .tag")
    assert tags.count() == 4
    badges = page.locator(".site-header .badge:visible")
    assert badges.count() >= 1
    for element in tags.all() + badges.all():
        assert element.evaluate(boxed), f"{element.inner_text()!r} has no box in forced colours"

// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function refill(target, source) {
    var blank = target.options.length && !target.options[0].value ? target.options[0].cloneNode(true) : null;
    var done = function (items) {
      target.innerHTML = "";
      if (blank) { blank.selected = true; target.appendChild(blank); }
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.code || item.id;
        option.textContent = item.name;
        target.appendChild(option);
      });
    };
    if (!source.value) { done([]); return; }
    var url = target.getAttribute("data-url").replace("/XX/", "/" + encodeURIComponent(source.value) + "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(done)
      .catch(function () {  // fall back to the form's own refresh button
        document.querySelectorAll(".js-hidden").forEach(function (el) { el.classList.remove("js-hidden"); });
      });
  }

  function showRefresh() {
    document.querySelectorAll(".js-hidden").forEach(function (el) { el.classList.remove("js-hidden"); });
  }

  // Radio buttons that follow the country (the institutions): the new country's, when it has no more than the
  // form lists; else they go, and the form's own refresh button shows the new country's search.
  function rechoose(group, source) {
    var country = source.value;
    var choices = group.querySelector(".choices");
    var blank = choices ? choices.querySelector(".choice") : null;  // "No institution", first
    var stale = function () {
      group.hidden = true;
      group.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
      showRefresh();
    };
    var done = function (answer) {  // how many the country has, and the first of them
      var items = answer.institutions;
      if (source.value !== country) { return; }  // an answer for a country chosen before
      if (!blank || answer.count > Math.min(items.length, Number(group.getAttribute("data-listed")))) {
        stale();
        return;
      }
      var first = blank.querySelector("input");
      group.querySelectorAll("[data-finder]").forEach(function (el) { el.parentNode.removeChild(el); });
      group.hidden = false;
      first.disabled = false;
      choices.innerHTML = "";
      choices.appendChild(blank);
      first.checked = true;
      items.forEach(function (item, index) {
        var choice = blank.cloneNode(true);
        var input = choice.querySelector("input");
        var label = choice.querySelector("label");
        input.id = first.id + "-" + (index + 2);
        input.value = item.id;
        input.checked = false;
        label.htmlFor = input.id;
        label.textContent = item.name;
        choices.appendChild(choice);
      });
    };
    if (!country) { done({ count: 0, institutions: [] }); return; }
    var url = group.getAttribute("data-url").replace("/XX/", "/" + encodeURIComponent(country) + "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(done)
      .catch(stale);
  }

  // A hint that names a region of the country chosen as its example ("such as Biobío or CL-BI") names one of the
  // new country's; the server wrote both wordings, translated, with {name} and {code} to fill.
  function describe(hint, source) {
    var country = source.value;
    var say = function (regions) {
      if (source.value !== country) { return; }  // an answer for a country chosen before
      var region = regions[0];
      hint.textContent = !region ? hint.getAttribute("data-plain") : hint.getAttribute("data-example")
        .replace("{name}", function () { return region.name; })
        .replace("{code}", function () { return region.code; });
    };
    if (!country) { say([]); return; }
    var url = hint.getAttribute("data-url").replace("/XX/", "/" + encodeURIComponent(country) + "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(say)
      .catch(function () {  // fall back to the form's own refresh button
        document.querySelectorAll(".js-hidden").forEach(function (el) { el.classList.remove("js-hidden"); });
      });
  }

  // A password field gets a button that shows what was typed, as the GOV.UK password input does: on a phone a
  // typo is easy and unseen. The server wrote the button's words, translated, on the input. The field is masked
  // again when its form is sent, and when the page comes back from the browser's history.
  function passwordToggle(input) {
    var wrapper = document.createElement("div");
    wrapper.className = "password-input";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary password-input__toggle";
    button.setAttribute("aria-controls", input.id);
    wrapper.appendChild(button);
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    wrapper.parentNode.insertBefore(status, wrapper.nextSibling);
    input.setAttribute("spellcheck", "false");  // shown as text, it is not sent to a spelling checker
    input.setAttribute("autocapitalize", "none");
    var show = function (visible, announce) {
      input.type = visible ? "text" : "password";
      button.textContent = input.getAttribute(visible ? "data-password-hide" : "data-password-show");
      if (announce) {
        status.textContent = input.getAttribute(visible ? "data-password-shown" : "data-password-hidden");
      }
    };
    show(false, false);
    button.addEventListener("click", function () { show(input.type === "password", true); });
    if (input.form) { input.form.addEventListener("submit", function () { show(false, false); }); }
    window.addEventListener("pageshow", function (event) { if (event.persisted) { show(false, false); } });
  }

  // A change that leads to one place of a long page (the competence just saved, far down its framework): the
  // banner saying what was done comes just above that place, where the reader lands, not out of sight at the top.
  function bannerToPlace() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (error) { return; }  // #50%: names no place, and must stop nothing
    var target = id && document.getElementById(id);
    var banners = document.querySelectorAll("main > [data-flash]");  // what was just done, not a page's own notes
    if (!target || !banners.length || !target.parentNode || target.closest(".banner") ||
        /^(TABLE|THEAD|TBODY|TR|UL|OL|DL)$/.test(target.parentNode.tagName)) { return; }
    banners.forEach(function (banner) { target.parentNode.insertBefore(banner, target); });
    var show = function () {
      banners[0].scrollIntoView();
      if (mayTakeFocus(banners[0])) { banners[0].focus({ preventScroll: true }); }
    };
    show();
    window.addEventListener("load", show, { once: true });  // after the browser's own scroll to the place
  }

  // A banner takes the focus from nobody: not from a field the page gives it (autofocus), nor from one the reader
  // has gone to before the page finished loading.
  function mayTakeFocus(banner) {
    var active = document.activeElement;
    return !document.querySelector("[autofocus]") && (!active || active === document.body || active === banner);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-password-show]").forEach(passwordToggle);

    // what went wrong, or else what was just done, is read first: a status already there when the page loads is
    // not announced by screen readers (the banner has its own scroll, to the place the address names)
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); } else { bannerToPlace(); }
    var banner = !summary && document.querySelector("main [data-flash]");
    if (banner && mayTakeFocus(banner)) { banner.focus({ preventScroll: true }); }

    // A select that depends on another (regions and institutions on the country) follows its changes.
    document.querySelectorAll("[data-depends-on]").forEach(function (target) {
      var source = document.getElementById(target.getAttribute("data-depends-on"));
      if (source) { source.addEventListener("change", function () { refill(target, source); }); }
    });
    document.querySelectorAll("[data-choices-depend-on]").forEach(function (group) {
      var source = document.getElementById(group.getAttribute("data-choices-depend-on"));
      if (source) { source.addEventListener("change", function () { rechoose(group, source); }); }
    });
    document.querySelectorAll("[data-region-hint]").forEach(function (hint) {
      var source = document.getElementById(hint.getAttribute("data-region-hint"));
      if (source) { source.addEventListener("change", function () { describe(hint, source); }); }
    });
  });
})();

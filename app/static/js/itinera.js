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

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }

    // A select that depends on another (regions and institutions on the country) follows its changes.
    document.querySelectorAll("[data-depends-on]").forEach(function (target) {
      var source = document.getElementById(target.getAttribute("data-depends-on"));
      if (source) { source.addEventListener("change", function () { refill(target, source); }); }
    });
    document.querySelectorAll("[data-region-hint]").forEach(function (hint) {
      var source = document.getElementById(hint.getAttribute("data-region-hint"));
      if (source) { source.addEventListener("change", function () { describe(hint, source); }); }
    });
  });
})();

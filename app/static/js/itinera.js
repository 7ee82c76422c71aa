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

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }

    // A select that depends on another (regions and institutions on the country) follows its changes.
    document.querySelectorAll("[data-depends-on]").forEach(function (target) {
      var source = document.getElementById(target.getAttribute("data-depends-on"));
      if (source) { source.addEventListener("change", function () { refill(target, source); }); }
    });
  });
})();

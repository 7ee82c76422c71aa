// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }

    // A country select refreshes the list that depends on it (regions or institutions).
    document.querySelectorAll("[data-country-select]").forEach(function (select) {
      var kind = select.getAttribute("data-country-select");
      var target = document.querySelector('[data-dependent="' + kind + '"]');
      var template = select.getAttribute("data-url");
      if (!target || !template) { return; }
      select.addEventListener("change", function () {
        var blank = target.options.length ? target.options[0].cloneNode(true) : null;
        if (!select.value) {
          target.innerHTML = "";
          if (blank) { target.appendChild(blank); }
          return;
        }
        fetch(template.replace("/XX/", "/" + encodeURIComponent(select.value) + "/"), {
          credentials: "same-origin", headers: { "Accept": "application/json" }
        }).then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        }).then(function (items) {
          target.innerHTML = "";
          if (blank) { blank.selected = true; target.appendChild(blank); }
          items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.code || item.id;
            option.textContent = item.name;
            target.appendChild(option);
          });
        }).catch(function () {
          document.querySelectorAll(".js-hidden").forEach(function (el) { el.classList.remove("js-hidden"); });
        });
      });
    });
  });
})();

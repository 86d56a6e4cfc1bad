/* yiwang shell behaviour. Loaded as a file: the CSP forbids inline script. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every HTMX request that changes state carries Django's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var verb = (event.detail.verb || "get").toLowerCase();
    if (verb !== "get") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Buttons with data-confirm ask before submitting (e.g. 不予受理, 退单).
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // The Chinese file picker shows the chosen file's name (web.widgets.ChineseFileInput).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("file-pick-input")) {
      return;
    }
    var status = input.parentNode.querySelector(".file-pick-name");
    if (status) {
      var names = Array.prototype.map.call(input.files || [], function (file) {
        return file.name;
      });
      status.textContent = names.length ? names.join("、") : status.getAttribute("data-empty");
    }
  });

  // Close the phone menu after following a link inside it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".site-nav a");
    var toggle = document.getElementById("nav-toggle");
    if (link && toggle) {
      toggle.checked = false;
    }
  });
})();

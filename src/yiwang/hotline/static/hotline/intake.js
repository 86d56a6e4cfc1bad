// 来电登记: the assist panels' buttons fill the form (no inline scripts under the CSP).
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var key = document.getElementById("intake-key");
  if (key && !key.value) {  // one key per call: a double submit registers one ticket
    key.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-use-entry],[data-merge],[data-merge-cancel],[data-category]");
    if (!target) { return; }
    var note = document.getElementById("merge-note");
    if (target.dataset.mergeCancel) {
      document.getElementById("merge-into").value = "";
      note.hidden = true;
    } else if (target.dataset.useEntry) {
      document.getElementById("entry").value = target.dataset.useEntry;
      document.getElementById("answer").value = target.dataset.answer || "";
      document.getElementById("answer-box").open = true;
      var consult = form.querySelector("input[name=kind][value=consult]");
      if (consult) { consult.checked = true; }
      document.getElementById("answer").focus();
    } else if (target.dataset.merge) {
      document.getElementById("merge-into").value = target.dataset.merge;
      document.getElementById("merge-note-text").textContent =
        "登记后并入 " + target.dataset.merge + "（随主单办理，来电人一同获知结果）";
      note.hidden = false;
    } else if (target.dataset.category) {
      document.getElementById("category").value = target.dataset.category;
    }
  });
})();

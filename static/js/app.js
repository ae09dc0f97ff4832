// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // Live countdowns: <span class="countdown" data-deadline="ISO" data-expired="text">
  function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
      if (left <= 0) { el.textContent = el.dataset.expired || "0"; return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = left % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      el.textContent = (d ? d + (el.dataset.days || "d") + " " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
    });
  }
  if (document.querySelector(".countdown[data-deadline]")) { tick(); setInterval(tick, 1000); }

  // Job progress: a container with data-job-status polls its JSON until the job finishes.
  document.querySelectorAll("[data-job-status]").forEach(function (box) {
    var url = box.dataset.jobStatus;
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          var bar = box.querySelector("progress");
          if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
          var msg = box.querySelector(".job-message"); if (msg) msg.textContent = job.message || "";
          var st = box.querySelector(".job-state"); if (st && box.dataset["label" + job.status]) st.textContent = box.dataset["label" + job.status];
          if (job.status === "done" || job.status === "failed") {
            if (box.dataset.doneUrl && job.status === "done") window.location = box.dataset.doneUrl;
            else if (job.status === "done") window.location.reload();
            return;
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    if (box.dataset.jobFinished !== "1") setTimeout(poll, 500);
  });

  // An input's visible label, for naming it in the autosave status.
  function labelOf(form, name) {
    var input = form.querySelector("[name='" + name + "']");
    var label = input && input.id ? form.querySelector("label[for='" + input.id + "']") : null;
    return label ? label.textContent.trim() : name;
  }

  // Mark the inputs an autosave could not store, with the message next to each; clear the others.
  function markErrors(form, errors) {
    form.querySelectorAll("[data-autosave-error]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[data-autosave-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid"); el.removeAttribute("data-autosave-invalid");
    });
    Object.keys(errors).forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("data-autosave-invalid", "1");
      var note = document.createElement("p");
      note.className = "error";
      note.setAttribute("data-autosave-error", "1");
      note.textContent = [].concat(errors[name]).join(" ");
      input.insertAdjacentElement("afterend", note);
    });
  }

  // Autosave: <form data-autosave="URL"> posts its fields (JSON) a moment after each change.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var timer = null, state = form.querySelector(".save-state");
    function save() {
      var data = new FormData(form);
      fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin",
                                     headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          var errors = res.ok ? (res.body.errors || {}) : ((res.body.error && res.body.error.fields) || {});
          markErrors(form, errors);
          if (res.ok) {
            var v = form.querySelector("input[name=version]"); if (v) v.value = res.body.version;
            var names = Object.keys(errors);
            if (state) state.textContent = names.length && form.dataset.partialText
              ? form.dataset.partialText + " " + names.map(function (n) { return labelOf(form, n); }).join(", ")
              : form.dataset.savedText + " " + new Date().toLocaleTimeString();
          } else if (state) {
            state.textContent = (res.body.error && res.body.error.message) || form.dataset.errorText;
          }
        })
        .catch(function () { if (state) state.textContent = form.dataset.offlineText || ""; });
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 1500); });
  });

  // Confirm dangerous actions: <button data-confirm="text">
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (e) { if (!window.confirm(el.dataset.confirm)) e.preventDefault(); });
  });
})();

// Competitions pages (progressive enhancement; every form works without JavaScript).
(function () {
  "use strict";

  // "Add a row" for table editors: <button data-add-row="TBODY-ID" hidden>; rows are <tr data-row> whose
  // inputs are named PREFIX-N-FIELD (WTForms FieldList). The last row is cloned, renumbered and emptied.
  document.querySelectorAll("button[data-add-row]").forEach(function (button) {
    var body = document.getElementById(button.dataset.addRow);
    if (!body) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr[data-row]");
      if (!rows.length) return;
      var last = rows[rows.length - 1], next = last.cloneNode(true), index = rows.length;
      var renumber = function (value) { return value.replace(/-\d+-/, "-" + index + "-"); };
      next.querySelectorAll("input, select, textarea, label").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          if (el.hasAttribute(attr)) el.setAttribute(attr, renumber(el.getAttribute(attr)));
        });
        if (el.type === "checkbox") el.checked = false;
        else if (el.tagName !== "LABEL") el.value = "";
        el.removeAttribute("aria-invalid");
      });
      next.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      body.appendChild(next);
      var first = next.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  });

  // Print buttons: <button data-print hidden>.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // The application draft: hide the translation block of the main language, mark the TRL levels whose
  // evidence is required (the claimed level and every level below it).
  var draft = document.getElementById("draft");
  if (draft) {
    var language = draft.querySelector("select[name=language]");
    var syncLanguage = function () {
      draft.querySelectorAll("details.translation[data-lang]").forEach(function (box) {
        box.hidden = language && box.dataset.lang === language.value;
      });
    };
    if (language) { language.addEventListener("change", syncLanguage); syncLanguage(); }
    var claimed = draft.querySelector("select[name=trl_claimed]");
    var syncTrl = function () {
      var level = parseInt(claimed.value, 10) || 0;
      draft.querySelectorAll(".trl-level[data-level]").forEach(function (box) {
        var needed = parseInt(box.dataset.level, 10) <= level;
        box.classList.toggle("needed", needed);
        if (needed) box.open = true;
      });
    };
    if (claimed) { claimed.addEventListener("change", syncTrl); }
  }
})();

// Scoring pages (progressive enhancement; every form works without JavaScript).
(function () {
  "use strict";

  // The protocol's print button: <button data-print-page hidden>.
  document.querySelectorAll("[data-print-page]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // The assignment job on the review page: <div data-scoring-job="STATUS-URL" data-done-url="URL"> shows the
  // progress and, once the job is done or failed, reloads the page (which then shows the result or the error).
  document.querySelectorAll("[data-scoring-job]").forEach(function (box) {
    function poll() {
      fetch(box.dataset.scoringJob, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          var bar = box.querySelector("progress");
          if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
          var msg = box.querySelector(".job-message"); if (msg) msg.textContent = job.message || "";
          if (job.status === "done" || job.status === "failed") { window.location = box.dataset.doneUrl; return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  });

  // Live vote counts on the council page: <section data-live-counts="URL"> with <x data-count="APP:CHOICE">.
  document.querySelectorAll("[data-live-counts]").forEach(function (box) {
    var url = box.dataset.liveCounts;
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) { setTimeout(poll, 15000); return; }
          Object.keys(body.counts || {}).forEach(function (app) {
            var counts = body.counts[app];
            Object.keys(counts).forEach(function (choice) {
              var el = box.querySelector('[data-count="' + app + ":" + choice + '"]');
              if (el && el.textContent !== String(counts[choice])) el.textContent = counts[choice];
            });
          });
          if (!body.closed) setTimeout(poll, 5000);
        })
        .catch(function () { setTimeout(poll, 15000); });
    }
    setTimeout(poll, 5000);
  });
})();

// Matching pages (progressive enhancement): opening an action box ("Not relevant", "Request an
// introduction") moves the focus to its text field; a box that came back with an error is scrolled into view.
(function () {
  "use strict";
  document.querySelectorAll("details.action-box").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (!box.open) return;
      var input = box.querySelector("textarea, input:not([type=hidden])");
      if (input) input.focus();
    });
  });
  // On a phone the feed's filters start folded unless some are applied or wrong.
  if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (box) { box.open = false; });
  }
  var failed = document.querySelector(".match-card .has-error, .commit-form .has-error");
  if (failed) {
    failed.scrollIntoView({ block: "center" });
    var input = failed.querySelector("textarea, input, select");
    if (input) input.focus({ preventScroll: true });
  }
})();

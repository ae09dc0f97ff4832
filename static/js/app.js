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

  // Autosave: <form data-autosave="URL"> posts its fields (JSON) a moment after each change.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var timer = null, state = form.querySelector(".save-state");
    function save() {
      var data = new FormData(form);
      fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin",
                                     headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (res.ok) {
            var v = form.querySelector("input[name=version]"); if (v) v.value = res.body.version;
            if (state) state.textContent = form.dataset.savedText + " " + new Date().toLocaleTimeString();
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

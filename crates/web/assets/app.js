// bancheng staff UI: small progressive enhancements. Every page works without this file,
// except drawing a signature.
(function () {
  "use strict";

  // Inline checks: fields with data-check="phone|id_number|credit_code" ask the server, which
  // answers with the domain's own validation (no rule is repeated here).
  function check(input) {
    var field = input.getAttribute("data-check");
    var out = document.getElementById("msg-" + input.name);
    var value = input.value.trim();
    if (!out) return;
    if (!value) { out.textContent = ""; out.className = "msg"; input.removeAttribute("aria-invalid"); return; }
    var url = "/ui/check?field=" + encodeURIComponent(field) + "&value=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j || input.value.trim() !== value) return;
        if (j.ok) {
          input.removeAttribute("aria-invalid");
          out.className = j.hint ? "msg hint" : "msg ok";
          out.textContent = j.hint || j.message || "✓";
        } else {
          input.setAttribute("aria-invalid", "true");
          out.className = "msg bad";
          out.textContent = j.message;
        }
      })
      .catch(function () {});
  }
  document.querySelectorAll("[data-check]").forEach(function (el) {
    el.addEventListener("blur", function () { check(el); });
    el.addEventListener("change", function () { check(el); });
  });

  // The applicant type shows the enterprise fields only for 企业.
  var kind = document.querySelectorAll("input[name=applicant_type]");
  function syncKind() {
    var ent = document.querySelector("input[name=applicant_type]:checked");
    document.querySelectorAll("[data-enterprise]").forEach(function (el) {
      el.hidden = !(ent && ent.value === "enterprise");
    });
  }
  kind.forEach(function (k) { k.addEventListener("change", syncKind); });
  if (kind.length) syncKind();

  // Forms sent once (the intake): the save button is disabled while the request runs, and a
  // second submit (a double click, Ctrl+Enter twice) is dropped. The server's one-time key
  // catches whatever gets through; Back brings the same form (and key) again.
  document.querySelectorAll("form[data-once]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (f.dataset.busy) { e.preventDefault(); return; }
      f.dataset.busy = "1";
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); });
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (f) {
      delete f.dataset.busy;
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
    });
  });

  // 未办成的窗口: the free-text box is for 其他 only.
  document.querySelectorAll("select[data-other]").forEach(function (sel) {
    var other = document.getElementById(sel.getAttribute("data-other"));
    function sync() { if (other) other.hidden = sel.value !== "其他"; }
    sel.addEventListener("change", function () { sync(); if (!other.hidden) other.focus(); });
    sync();
  });

  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  document.addEventListener("keydown", function (e) {
    // Ctrl+Enter (or ⌘+Enter) submits the form being filled, from any field.
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      var form = e.target && e.target.form;
      if (form) { e.preventDefault(); if (form.requestSubmit) form.requestSubmit(); else form.submit(); }
      return;
    }
    // Enter in a one-line field of the intake form does not send it half filled.
    if (e.key === "Enter" && e.target && e.target.tagName === "INPUT" && e.target.form &&
        e.target.form.hasAttribute("data-once") && !/^(submit|button|checkbox|radio)$/.test(e.target.type)) {
      e.preventDefault();
      return;
    }
    // "/" jumps to the search box where there is one.
    if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) {
      var q = document.querySelector("input[name=q]");
      if (q) { e.preventDefault(); q.focus(); }
    }
  });

  // Signature pads: a canvas drawn with mouse, pen or finger; saved as a PNG data URL into the
  // hidden input named by data-into when the form is submitted.
  document.querySelectorAll("canvas.sig").forEach(function (canvas) {
    var ctx = canvas.getContext("2d");
    var drawn = false, down = false;
    function fit() {
      var r = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(r.width));
      canvas.height = Math.max(1, Math.round(r.height));
      ctx.lineWidth = 2.4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    }
    fit();
    function pos(e) { var r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
    canvas.addEventListener("pointerdown", function (e) {
      down = true; drawn = true; canvas.setPointerCapture(e.pointerId);
      var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(p[0] + 0.1, p[1] + 0.1); ctx.stroke();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!down) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      canvas.addEventListener(t, function () { down = false; });
    });
    var clear = document.querySelector("[data-clear='" + canvas.id + "']");
    if (clear) clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
    var form = canvas.closest("form");
    form.addEventListener("submit", function () {
      var into = form.querySelector("input[name='" + canvas.getAttribute("data-into") + "']");
      if (into) into.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });

  // Confirm before irreversible actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });

  // Calendar import: a chosen file fills the text box.
  document.querySelectorAll("input[type=file][data-into]").forEach(function (input) {
    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      var target = document.getElementById(input.getAttribute("data-into"));
      if (!f || !target) return;
      var reader = new FileReader();
      reader.onload = function () { target.value = reader.result; };
      reader.readAsText(f, "utf-8");
    });
  });

  // Focus the first field marked autofocus-after-load, or the first invalid one.
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
})();

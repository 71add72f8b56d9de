// Failures of in-page actions are reported where the learner acted, never by replacing
// the page: 4xx answers carry their own message and are swapped in by htmx (see the
// htmx-config meta tag); this covers what has no body to show, 5xx answers and a server
// that cannot be reached. What the learner typed stays in its field.
(function () {
  "use strict";

  function targetOf(detail) {
    const elt = detail.elt;
    const target = detail.target || (elt && elt.closest && elt.closest("[hx-target]"));
    return target && target.isConnected ? target : elt;
  }

  function report(detail, text) {
    const anchor = targetOf(detail);
    if (!anchor || !anchor.parentNode) return;
    // A background poll that fails says so once, in place, and tries again next time.
    let note = anchor.previousElementSibling;
    if (!note || !note.classList || !note.classList.contains("inband-error")) {
      note = document.createElement("p");
      note.className = "inband-error";
      note.setAttribute("role", "alert");
      anchor.parentNode.insertBefore(note, anchor);
    }
    note.textContent = text;
  }

  function clear(detail) {
    const anchor = targetOf(detail);
    const note = anchor && anchor.previousElementSibling;
    if (note && note.classList && note.classList.contains("inband-error")) note.remove();
  }

  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    const status = xhr ? xhr.status : 0;
    report(
      event.detail,
      "The server could not finish that (" + status + " " + (xhr ? xhr.statusText : "") +
        "). Nothing you typed was lost; try again, and if it repeats, reload the page.",
    );
  });
  document.addEventListener("htmx:sendError", function (event) {
    report(event.detail, "The server did not answer. Check that it is running, then try again.");
  });
  // A refused in-page action (a sandbox that is gone, a paused workshop…) names itself
  // in an HX-Trigger header and swaps nothing.
  // Beside the field at fault when the answer names one (a form's own value was refused).
  function besideField(form, name, text) {
    const input = form && form.querySelector && form.querySelector('[name="' + CSS.escape(name) + '"]');
    if (!input) return false;
    const anchor = input.closest("label") || input;
    let note = anchor.nextElementSibling;
    if (!note || !note.classList || !note.classList.contains("inband-error")) {
      note = document.createElement("span");
      note.className = "inband-error";
      note.setAttribute("role", "alert");
      anchor.parentNode.insertBefore(note, anchor.nextSibling);
    }
    note.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.addEventListener("input", function () {
      input.removeAttribute("aria-invalid");
      note.remove();
    }, { once: true });
    return true;
  }

  document.addEventListener("inband-error", function (event) {
    const elt = event.target;
    const text = (event.detail && event.detail.message) || "That could not be done.";
    if (event.detail && event.detail.field && besideField(elt.closest ? elt.closest("form") || elt : elt, event.detail.field, text)) return;
    const detail = { elt: elt, target: elt.getAttribute && elt.getAttribute("hx-target") ? document.querySelector(elt.getAttribute("hx-target")) : null };
    report(detail, text);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader && /inband-error/.test(xhr.getResponseHeader("HX-Trigger") || "")) return;
    if (event.detail.successful) clear(event.detail);
  });
})();

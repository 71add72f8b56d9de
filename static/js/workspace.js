// The workspace: cluster tabs, the phone's region tabs, the docked terminal (resize,
// hide), keyboard shortcuts, and a question before destructive actions. Every part works
// without this script too: tabs are links, forms post, the confirmation is skipped.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  const ws = () => document.getElementById("workspace");
  const store = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch (e) { return null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
    },
  };

  // --- Cluster tabs -----------------------------------------------------------------
  function tabs() {
    return Array.from(document.querySelectorAll('.ws-tabs [role="tab"]'));
  }

  function showTab(key, focus) {
    const cluster = document.getElementById("ws-cluster");
    if (!cluster) return;
    let found = false;
    for (const tab of tabs()) {
      const on = tab.dataset.tab === key;
      found = found || on;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
      if (on && focus) tab.focus();
    }
    if (!found) return;
    cluster.dataset.tab = key;
    const url = new URL(window.location.href);
    url.searchParams.set("tab", key);
    window.history.replaceState(null, "", url);
    showRegion("cluster");
    // Bring the newly shown piece up to date at once rather than at the next poll.
    const poll = document.getElementById("live-poll");
    if (poll && window.htmx) window.htmx.trigger(poll, "refresh");
  }

  // The live pieces the poll should bring back: the summary and what is on view.
  window.workspaceParts = function () {
    const cluster = document.getElementById("ws-cluster");
    return cluster ? "summary," + (cluster.dataset.tab || "") : "";
  };

  // The poll asks for the pieces on view (no inline script: the page runs under a CSP).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "live-poll") {
      event.detail.parameters.parts = window.workspaceParts();
    }
  });

  // An example fills the Apply box; the speed menu applies itself.
  document.addEventListener("click", function (event) {
    const example = event.target.closest("[data-example]");
    if (!example) return;
    const box = document.getElementById(example.dataset.exampleTarget || "manifest");
    box.value = example.dataset.example;
    box.focus();
  });
  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-autosubmit]");
    if (!select) return;
    const button = select.form.querySelector('button[value="' + select.dataset.autosubmit + '"]');
    select.form.requestSubmit(button || undefined);
  });

  document.addEventListener("click", function (event) {
    const tab = event.target.closest('.ws-tabs [role="tab"], [data-tab-link]');
    if (!tab) return;
    const key = tab.dataset.tab || tab.dataset.tabLink;
    if (!key || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    showTab(key, tab.getAttribute("role") === "tab");
  });

  document.addEventListener("keydown", function (event) {
    const tab = event.target.closest && event.target.closest('.ws-tabs [role="tab"]');
    if (!tab) return;
    const all = tabs();
    const at = all.indexOf(tab);
    let next = null;
    if (event.key === "ArrowRight") next = all[(at + 1) % all.length];
    else if (event.key === "ArrowLeft") next = all[(at - 1 + all.length) % all.length];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    if (next) {
      event.preventDefault();
      showTab(next.dataset.tab, true);
    }
  });

  // --- Regions (side by side on a wide screen, behind tabs on a phone) ----------------
  function showRegion(name) {
    const root = ws();
    if (!root) return;
    root.dataset.region = name;
    for (const button of document.querySelectorAll("[data-region-tab]")) {
      button.setAttribute("aria-selected", button.dataset.regionTab === name ? "true" : "false");
    }
    if (name === "terminal") setTerminalHidden(false);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-region-tab]");
    if (button) showRegion(button.dataset.regionTab);
  });

  // --- The docked terminal: resize and hide -------------------------------------------
  const HEIGHT_KEY = "workspace-terminal-height";
  const HIDDEN_KEY = "workspace-terminal-hidden";

  function setTerminalHeight(px) {
    const root = ws();
    if (!root) return;
    const max = Math.max(160, window.innerHeight - 220);
    const height = Math.round(Math.min(max, Math.max(120, px)));
    root.style.setProperty("--terminal-height", height + "px");
    store.set(HEIGHT_KEY, String(height));
    window.dispatchEvent(new Event("resize"));
  }

  function setTerminalHidden(hidden) {
    const root = ws();
    const toggle = document.querySelector("[data-collapse]");
    if (!root || !toggle) return;
    root.classList.toggle("terminal-hidden", hidden);
    toggle.setAttribute("aria-expanded", hidden ? "false" : "true");
    toggle.textContent = hidden ? "Show" : "Hide";
    store.set(HIDDEN_KEY, hidden ? "1" : "0");
    if (!hidden) window.dispatchEvent(new Event("resize"));
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-collapse]")) {
      setTerminalHidden(!ws().classList.contains("terminal-hidden"));
    }
  });

  document.addEventListener("pointerdown", function (event) {
    const handle = event.target.closest("[data-resize]");
    if (!handle) return;
    event.preventDefault();
    const terminal = document.getElementById("ws-terminal");
    const startY = event.clientY;
    const startHeight = terminal.getBoundingClientRect().height;
    handle.setPointerCapture(event.pointerId);
    function move(e) { setTerminalHeight(startHeight + (startY - e.clientY)); }
    function up() {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
    }
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  });

  document.addEventListener("keydown", function (event) {
    const handle = event.target.closest && event.target.closest("[data-resize]");
    if (!handle || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    const terminal = document.getElementById("ws-terminal");
    const now = terminal.getBoundingClientRect().height;
    setTerminalHeight(now + (event.key === "ArrowUp" ? 40 : -40));
  });

  // --- Keyboard shortcuts (with Alt+Shift, so they work inside the terminal too) -------
  function focusTerminal() {
    showRegion("terminal");
    setTerminalHidden(false);
    if (window.kubeTerminal) window.kubeTerminal.focus();
    else {
      const host = document.getElementById("terminal");
      if (host) host.focus();
    }
  }

  window.addEventListener(
    "keydown",
    function (event) {
      if (!ws()) return;
      if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey) {
        const code = event.code || "";
        let handled = true;
        if (code === "KeyT") focusTerminal();
        else if (code === "KeyI") {
          showRegion("instructions");
          document.getElementById("ws-instructions").focus();
        } else if (code === "KeyH") setTerminalHidden(!ws().classList.contains("terminal-hidden"));
        else if (/^Digit[1-7]$/.test(code)) {
          const tab = tabs()[Number(code.slice(5)) - 1];
          if (tab) showTab(tab.dataset.tab, true);
        } else handled = false;
        if (handled) {
          event.preventDefault();
          event.stopPropagation();
        }
        return;
      }
      const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable], .terminal-host");
      if (event.key === "?" && !typing) {
        const dialog = document.getElementById("shortcuts");
        if (dialog && !dialog.open) {
          event.preventDefault();
          dialog.showModal();
        }
      }
    },
    true,
  );

  document.addEventListener("click", function (event) {
    if (event.target.closest("#shortcuts-button")) document.getElementById("shortcuts").showModal();
  });

  // --- A question before destructive actions ------------------------------------------
  window.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "yes") return;
      const dialog = document.getElementById("confirm-dialog");
      if (!dialog || typeof dialog.showModal !== "function") return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const submitter = event.submitter || null;
      document.getElementById("confirm-text").textContent = form.dataset.confirm;
      document.getElementById("confirm-yes").textContent = form.dataset.confirmAction || "Confirm";
      dialog.returnValue = "";
      dialog.addEventListener(
        "close",
        function () {
          if (dialog.returnValue !== "confirm") return;
          form.dataset.confirmed = "yes";
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
          delete form.dataset.confirmed;
        },
        { once: true },
      );
      dialog.showModal();
    },
    true,
  );

  // --- "Run this" beside the kubectl commands written in instructions and hints ---------
  // (they come from Markdown, so the buttons are added here, after every swap too).
  function addRunButtons(root) {
    if (!document.getElementById("terminal")) return;
    const scope = root.querySelectorAll ? root : document;
    for (const code of scope.querySelectorAll(".task-body code, .task-hints code, .guide-steps code")) {
      const text = code.textContent.trim();
      // Commands with placeholders (NAME, IMAGE) are templates to read, not to run.
      if (!/^kubectl\s+\S/.test(text) || text.includes("\n") || /\b[A-Z]{3,}\b/.test(text)) continue;
      const next = code.nextElementSibling;
      if (next && next.classList.contains("run-this")) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-button small run-this";
      button.dataset.run = text;
      button.textContent = "Run this";
      button.setAttribute("aria-label", "Run this: " + text);
      code.insertAdjacentElement("afterend", button);
      code.insertAdjacentText("afterend", " ");
    }
  }
  document.addEventListener("htmx:load", function (event) { addRunButtons(event.target); });

  // --- Start-up -------------------------------------------------------------------------
  function start() {
    const root = ws();
    if (!root) return;
    const height = Number(store.get(HEIGHT_KEY));
    if (height) root.style.setProperty("--terminal-height", height + "px");
    if (store.get(HIDDEN_KEY) === "1") setTerminalHidden(true);
    showRegion(root.dataset.region || "cluster");
    addRunButtons(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

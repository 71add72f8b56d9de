// Pushed updates: a page with [data-live-events="<url>"] opens that Server-Sent Events
// stream (playground/live.py) and turns each `changed` event into the `sandbox-changed`
// event its live regions already refresh on. While the stream is open, their 3-second
// polls are held back to one every SAFETY_MS (a safety net); when it fails or ends they
// poll as before until it opens again. Without EventSource, or with the stream refused
// (429 past the server's stream caps), nothing here acts and the page polls as always.
// No inline script and no eval: the page runs under a strict Content-Security-Policy.
(function () {
  "use strict";
  if (!window.EventSource) return;

  const SAFETY_MS = 30000; // a polled region fetches at least this often while pushed to
  const MIN_GAP_MS = 500; // pushes closer together than this make one refresh
  const REOPEN_MS = [15000, 30000, 60000, 120000]; // after a refused stream, then again…

  const root = document.documentElement;
  const lastFetch = new Map(); // region (id or URL) -> when it last asked the server
  const loadedAt = Date.now(); // a region's first content came with the page
  let open = 0; // streams open now
  let lastPush = 0;
  let pushTimer = null;
  let pushed = ""; // the newest version pushed, not yet refreshed for

  function regionKey(elt) {
    return elt.id || elt.getAttribute("hx-get") || "";
  }

  function pushedTo(elt) {
    return /-changed from:body/.test(elt.getAttribute("hx-trigger") || "");
  }

  // The pushed change, as the event the regions listen for; its detail marks the
  // refreshes it causes (header X-Live-Event), so they can be told from polls.
  function refresh() {
    pushTimer = null;
    lastPush = Date.now();
    document.body.dispatchEvent(new CustomEvent("sandbox-changed", { detail: { live: pushed } }));
  }

  // The instructor's grid (playground/workshop_live.py): `rows` names the learners whose
  // rows changed, each fetched alone into place; `grid` (or a row not on the page, a
  // learner who just joined) refreshes the whole grid.
  function whole() {
    document.body.dispatchEvent(new CustomEvent("workshop-changed", { detail: { live: "grid" } }));
  }

  function rows(seats) {
    for (const seat of seats.split(" ")) {
      const row = seat && document.getElementById("learner-" + seat);
      if (!row) {
        whole();
        return;
      }
      window.htmx.ajax("GET", row.dataset.liveRow, {
        source: row,
        target: row,
        swap: "outerHTML",
        headers: { "X-Live-Event": "rows" },
      });
    }
  }

  function push(version) {
    pushed = version;
    if (pushTimer) return;
    pushTimer = window.setTimeout(refresh, Math.max(0, lastPush + MIN_GAP_MS - Date.now()));
  }

  function setState() {
    root.dataset.live = open > 0 ? "open" : "polling";
  }

  function connect(url, attempt) {
    const source = new EventSource(url);
    let isOpen = false;
    const opened = function () {
      if (!isOpen) {
        isOpen = true;
        open += 1;
        setState();
      }
    };
    const closed = function () {
      if (isOpen) {
        isOpen = false;
        open -= 1;
        setState();
      }
    };
    source.addEventListener("open", function () {
      attempt = 0;
      opened();
    });
    source.addEventListener("changed", function (event) {
      opened();
      push(event.data);
    });
    source.addEventListener("rows", function (event) {
      opened();
      if (window.htmx) rows(event.data);
    });
    source.addEventListener("grid", function () {
      opened();
      whole();
    });
    source.addEventListener("error", function () {
      // The server ended the stream (its lifetime) or went away: EventSource reconnects
      // by itself. Refused (not 200, e.g. 429): it does not; ask again later.
      closed();
      if (source.readyState === EventSource.CLOSED) {
        const wait = REOPEN_MS[Math.min(attempt, REOPEN_MS.length - 1)];
        window.setTimeout(function () {
          if (!stopped) connect(url, attempt + 1);
        }, wait);
      }
    });
    window.addEventListener("pagehide", function () {
      closed();
      source.close();
    }, { once: true });
    return source;
  }

  // While a stream is open, a region's timed poll goes only when it has not fetched for
  // SAFETY_MS; its other triggers (a push, the learner's own actions) always go. htmx
  // sends a timed poll, as a `load`, without an event: a region's first request (its
  // `load`) always goes. A region that waits for results made elsewhere, which no push
  // announces (a lab's checks in a worker), says so with [data-live-pending] and keeps
  // its pace until they are in.
  const started = new WeakSet(); // regions that have made their first request
  document.addEventListener("htmx:confirm", function (event) {
    const elt = event.detail.elt;
    const first = !started.has(elt);
    started.add(elt);
    if (open === 0 || event.detail.triggeringEvent || !pushedTo(elt)) return;
    const trigger = elt.getAttribute("hx-trigger") || "";
    if (trigger.indexOf("every ") === -1 || (first && /(^|,)\s*load\b/.test(trigger))) return;
    if (elt.hasAttribute("data-live-pending")) return;
    if (Date.now() - (lastFetch.get(regionKey(elt)) || loadedAt) < SAFETY_MS) event.preventDefault();
  });
  document.addEventListener("htmx:configRequest", function (event) {
    const trigger = event.detail.triggeringEvent;
    if (trigger && trigger.detail && trigger.detail.live) {
      event.detail.headers["X-Live-Event"] = String(trigger.detail.live);
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    lastFetch.set(regionKey(event.detail.elt), Date.now());
  });

  let stopped = false;
  function start() {
    stopped = false;
    const seen = new Set();
    for (const elt of document.querySelectorAll("[data-live-events]")) {
      const url = elt.dataset.liveEvents;
      const path = url.split("?")[0];
      if (!url || seen.has(path)) continue;
      seen.add(path);
      connect(url, 0);
    }
    if (seen.size) setState();
  }
  window.addEventListener("pagehide", function () {
    stopped = true;
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) start(); // back from the back-forward cache: streams were closed
  });
  start();
})();

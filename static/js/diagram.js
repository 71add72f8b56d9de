/* Zoom and pan for the server-drawn diagrams (topology, architecture).
 *
 * Markup: an element with data-diagram-viewer="<id>" holding a .diagram-canvas with the
 * inline SVG, an optional [role=toolbar] with buttons data-zoom="in|out|fit|actual", and an
 * optional <details data-diagram-legend>. Without this script the SVG simply shrinks to
 * the width (site.css); with it:
 *   - the diagram fits the width at first (on a phone too) and never widens the page:
 *     the canvas scrolls and pans inside itself;
 *   - zoom with the buttons, ctrl/⌘ + wheel, or + / − / 0 / 1 while the canvas has focus;
 *   - pan by dragging (mouse or pen; touch scrolls the canvas natively) or arrow keys.
 * The live page swaps its diagram every few seconds (htmx); zoom, scroll and the legend's
 * open state are kept per diagram id and put back on the new SVG.
 * Loading the script twice is harmless.
 */
(function () {
  "use strict";
  if (window.k8sDiagram) return;

  var MIN = 0.2;
  var MAX = 4;
  var STEP = 1.25;
  var state = {}; // id -> {scale, fitted, left, top, legend}

  function natural(svg) {
    // graphviz writes width/height in points; keep the first reading (before we resize it).
    if (!svg.dataset.naturalWidth) {
      var box = svg.viewBox && svg.viewBox.baseVal;
      var w = parseFloat(svg.getAttribute("width")) || (box && box.width) || 600;
      var h = parseFloat(svg.getAttribute("height")) || (box && box.height) || 400;
      var unit = /pt$/.test(svg.getAttribute("width") || "") ? 4 / 3 : 1;
      svg.dataset.naturalWidth = String(w * unit);
      svg.dataset.naturalHeight = String(h * unit);
    }
    return { w: parseFloat(svg.dataset.naturalWidth), h: parseFloat(svg.dataset.naturalHeight) };
  }

  function fitScale(canvas, svg) {
    var style = getComputedStyle(canvas);
    var room = canvas.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.max(MIN, Math.min(1, room / natural(svg).w));
  }

  function Viewer(root) {
    this.root = root;
    this.id = root.getAttribute("data-diagram-viewer") || "diagram";
    this.canvas = root.querySelector(".diagram-canvas");
    this.svg = this.canvas && this.canvas.querySelector("svg");
    this.level = root.querySelector("[data-zoom-level]");
    this.legend = root.querySelector("[data-diagram-legend]");
  }

  Viewer.prototype.remember = function () {
    var s = state[this.id] || (state[this.id] = { scale: 1, fitted: true });
    s.left = this.canvas.scrollLeft;
    s.top = this.canvas.scrollTop;
  };

  Viewer.prototype.apply = function (scale, fitted, anchor) {
    var s = state[this.id] || (state[this.id] = {});
    var n = natural(this.svg);
    var old = s.scale || scale;
    scale = Math.max(MIN, Math.min(MAX, scale));
    // Keep the point under the cursor (or the canvas centre) where it is.
    var ax = anchor ? anchor.x : this.canvas.clientWidth / 2;
    var ay = anchor ? anchor.y : this.canvas.clientHeight / 2;
    var px = (this.canvas.scrollLeft + ax) / old;
    var py = (this.canvas.scrollTop + ay) / old;
    this.svg.setAttribute("width", String(Math.round(n.w * scale)));
    this.svg.setAttribute("height", String(Math.round(n.h * scale)));
    s.scale = scale;
    s.fitted = fitted;
    if (!fitted) {
      this.canvas.scrollLeft = px * scale - ax;
      this.canvas.scrollTop = py * scale - ay;
    }
    this.remember();
    if (this.level) this.level.textContent = Math.round(scale * 100) + "%";
  };

  Viewer.prototype.zoom = function (how, anchor) {
    var s = state[this.id] || {};
    if (how === "in") this.apply((s.scale || 1) * STEP, false, anchor);
    else if (how === "out") this.apply((s.scale || 1) / STEP, false, anchor);
    else if (how === "actual") this.apply(1, false, anchor);
    else this.apply(fitScale(this.canvas, this.svg), true);
  };

  Viewer.prototype.init = function () {
    var self = this;
    if (!this.canvas || !this.svg || this.root.dataset.diagramReady) return;
    this.root.dataset.diagramReady = "1";
    this.canvas.classList.add("is-zoomable");
    var toolbar = this.root.querySelector("[role=toolbar]");
    if (toolbar) toolbar.hidden = false;

    var saved = state[this.id];
    if (saved && !saved.fitted) {
      this.apply(saved.scale, false);
      this.canvas.scrollLeft = saved.left || 0;
      this.canvas.scrollTop = saved.top || 0;
    } else {
      this.zoom("fit");
      if (saved) this.canvas.scrollTop = saved.top || 0;
    }
    this.remember();
    if (this.legend && saved && typeof saved.legend === "boolean") this.legend.open = saved.legend;

    this.root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-zoom]");
      if (button && self.root.contains(button)) self.zoom(button.getAttribute("data-zoom"));
    });
    if (this.legend) {
      this.legend.addEventListener("toggle", function () {
        (state[self.id] || (state[self.id] = {})).legend = self.legend.open;
      });
    }
    this.canvas.addEventListener("scroll", function () { self.remember(); }, { passive: true });
    this.canvas.addEventListener("wheel", function (event) {
      if (!event.ctrlKey && !event.metaKey) return; // a plain wheel scrolls
      event.preventDefault();
      var rect = self.canvas.getBoundingClientRect();
      self.zoom(event.deltaY < 0 ? "in" : "out", { x: event.clientX - rect.left, y: event.clientY - rect.top });
    }, { passive: false });
    this.canvas.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var how = { "+": "in", "=": "in", "-": "out", "_": "out", "0": "fit", "1": "actual" }[event.key];
      if (how) {
        event.preventDefault();
        self.zoom(how);
      }
    });
    this.dragging(this.canvas);
  };

  Viewer.prototype.dragging = function (canvas) {
    var drag = null;
    canvas.addEventListener("pointerdown", function (event) {
      // Touch pans natively (the canvas scrolls); mouse and pen drag. Links stay clickable.
      if (event.pointerType === "touch" || event.button !== 0) return;
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY, left: canvas.scrollLeft, top: canvas.scrollTop, moved: false };
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.id) return;
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) {
        drag.moved = true;
        canvas.setPointerCapture(event.pointerId);
        canvas.classList.add("is-panning");
      }
      canvas.scrollLeft = drag.left - dx;
      canvas.scrollTop = drag.top - dy;
    });
    function end(event) {
      if (!drag || event.pointerId !== drag.id) return;
      var moved = drag.moved;
      drag = null;
      canvas.classList.remove("is-panning");
      if (moved) {
        // A drag is not a click on the shape it ended over.
        canvas.addEventListener("click", function swallow(e) {
          e.preventDefault();
          e.stopPropagation();
        }, { capture: true, once: true });
      }
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  };

  function scan(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = [];
    if (scope.matches && scope.matches("[data-diagram-viewer]")) found.push(scope);
    found.push.apply(found, scope.querySelectorAll("[data-diagram-viewer]"));
    found.forEach(function (el) { new Viewer(el).init(); });
  }

  // Fitted diagrams follow the width of the window (a phone turned, a pane resized).
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll("[data-diagram-viewer][data-diagram-ready]").forEach(function (el) {
        var viewer = new Viewer(el);
        var s = state[viewer.id];
        if (viewer.svg && (!s || s.fitted)) viewer.zoom("fit");
      });
    }, 150);
  });

  // After an htmx swap the swapped element may be detached: look over the whole page
  // (diagrams already set up are skipped).
  ["htmx:load", "htmx:afterSwap", "htmx:afterSettle"].forEach(function (name) {
    document.addEventListener(name, function () { scan(document); });
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(document); });
  else scan(document);

  window.k8sDiagram = { scan: scan, state: state };
})();

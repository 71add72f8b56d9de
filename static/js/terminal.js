/* The in-page kubectl terminal: xterm.js on #terminal, talking to the sandbox's console.
 *
 * Line editing, history per sandbox (localStorage), Tab completion from the server,
 * heredocs (`kubectl apply -f - <<EOF` … `EOF`) typed or pasted, Ctrl-C, `clear`/Ctrl-L,
 * copy and paste. A command line is POSTed as the form field `command` (a heredoc's body
 * on the lines below it, as the console reads it) and answered with JSON
 * {ok, output, changed}. After a change, body gets a "sandbox-changed" event so the
 * htmx-polled regions refresh. Clicking any [data-run] element types its text at the
 * prompt. window.kubeTerminal = {focus(), type(text), run(text), text()}.
 */
(function () {
  "use strict";
  if (window.kubeTerminal) return; // included twice: the first copy runs
  var host = document.getElementById("terminal");
  if (!host || !window.Terminal) return;

  var PROMPT = "$ ";
  var MORE = "> ";
  var HISTORY_CAP = 200;
  var HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/;
  var STDIN = /(^|\s)(-f|--filename)(\s+|=)-(\s|$)/;
  var RED = "\x1b[91m";
  var DIM = "\x1b[90m";
  var BOLD_PROMPT = "\x1b[1;96m";
  var RESET = "\x1b[0m";
  var CLEAR = "\x1b[H\x1b[2J\x1b[3J"; // home, erase the screen and the scrollback

  var sandbox = host.dataset.sandbox || "";
  var runUrl = host.dataset.runUrl;
  var completeUrl = host.dataset.completeUrl;
  var historyKey = "kubeTerminal.history." + sandbox;
  var status = document.getElementById("terminal-status");

  var term = new window.Terminal({
    cursorBlink: true,
    fontFamily: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace',
    fontSize: 14,
    lineHeight: 1.15,
    scrollback: 5000,
    screenReaderMode: true,
    rightClickSelectsWord: false,
    theme: {
      // Every colour used here is at least 4.5:1 against the background (WCAG AA).
      background: "#11151c",
      foreground: "#e6e9ef",
      cursor: "#e6e9ef",
      cursorAccent: "#11151c",
      selectionBackground: "#3d5a80",
      selectionForeground: "#ffffff",
      red: "#ff7b72",
      brightRed: "#ff8f87",
      green: "#7ee787",
      brightGreen: "#a5f0a9",
      cyan: "#76e3ea",
      brightCyan: "#9ef0f5",
      brightBlack: "#a0a8b8",
    },
  });
  var fit = window.FitAddon ? new window.FitAddon.FitAddon() : null;
  if (fit) term.loadAddon(fit);
  host.textContent = "";
  term.open(host);
  if (fit) safeFit();

  // State of the line being edited.
  var line = "";
  var cursor = 0;
  var prompt = PROMPT;
  var shownRow = 0; // row of the cursor below the prompt's first row, as last drawn
  var continuation = null; // {first, body: [], end: "EOF" or null for Ctrl-D}
  var stash = null; // further lines of a multi-line type(), fed after Enter
  var busy = false;
  var queue = []; // input that arrived while a command or a completion was running
  var controller = null;
  var history = loadHistory();
  var historyIndex = history.length;
  var draft = "";
  var escaped = false;

  // Input ------------------------------------------------------------------------------------

  term.write("\x1b[?2004h"); // bracketed paste: pasted text arrives marked, newlines and all
  term.onData(function (data) {
    if (data === "\x03") {
      // Ctrl-C is never queued: it cancels what is running and everything queued after it.
      cancel();
      return;
    }
    var paste = data.indexOf("\x1b[200~") === 0;
    if (paste) data = data.replace(/^\x1b\[200~/, "").replace(/\x1b\[201~$/, "");
    if (paste || (data.length > 1 && data.charAt(0) !== "\x1b" && /[^\r]/.test(data.slice(1)))) {
      pasteText(data);
    } else {
      queue.push({ key: data });
    }
    pump();
  });

  term.attachCustomKeyEventHandler(function (event) {
    if (event.type !== "keydown") return true;
    var ctrl = event.ctrlKey || event.metaKey;
    if (event.key === "Escape") {
      escaped = true; // Esc then Tab leaves the terminal, so the keyboard is never trapped
      return true;
    }
    if (event.key === "Tab" && escaped) {
      escaped = false;
      return false;
    }
    escaped = false;
    if (ctrl && event.shiftKey && event.code === "KeyC") {
      copySelection();
      event.preventDefault();
      return false;
    }
    if (ctrl && event.code === "KeyC" && term.hasSelection()) {
      copySelection();
      event.preventDefault();
      return false;
    }
    if (ctrl && event.code === "KeyV") return false; // the browser's paste event reaches xterm
    return true;
  });

  function copySelection() {
    var text = term.getSelection();
    if (text && navigator.clipboard) navigator.clipboard.writeText(text).catch(function () {});
  }

  function pasteText(text) {
    var parts = text.replace(/\r\n?/g, "\n").split("\n");
    parts.forEach(function (part, i) {
      if (part) queue.push({ insert: part });
      if (i < parts.length - 1) queue.push({ key: "\r" });
    });
  }

  function pump() {
    while (queue.length && !busy) handle(queue.shift());
  }

  function handle(op) {
    if (op.insert !== undefined) return insert(op.insert.replace(/[\x00-\x1f\x7f]/g, " "));
    var key = op.key;
    switch (key) {
      case "\r":
        return enter();
      case "\x7f":
      case "\b":
        if (cursor > 0) {
          line = line.slice(0, cursor - 1) + line.slice(cursor);
          cursor -= 1;
          redraw();
        }
        return;
      case "\x1b[3~":
        if (cursor < line.length) {
          line = line.slice(0, cursor) + line.slice(cursor + 1);
          redraw();
        }
        return;
      case "\x1b[D":
        if (cursor > 0) moveTo(cursor - 1);
        return;
      case "\x1b[C":
        if (cursor < line.length) moveTo(cursor + 1);
        return;
      case "\x1b[H":
      case "\x1bOH":
      case "\x1b[1~":
      case "\x01":
        return moveTo(0);
      case "\x1b[F":
      case "\x1bOF":
      case "\x1b[4~":
      case "\x05":
        return moveTo(line.length);
      case "\x1b[A":
        return recall(-1);
      case "\x1b[B":
        return recall(1);
      case "\x15": // Ctrl-U
        line = line.slice(cursor);
        cursor = 0;
        return redraw();
      case "\x0b": // Ctrl-K
        line = line.slice(0, cursor);
        return redraw();
      case "\x17": {
        // Ctrl-W: the word before the cursor
        var start = line.slice(0, cursor).replace(/\S+\s*$/, "").length;
        line = line.slice(0, start) + line.slice(cursor);
        cursor = start;
        return redraw();
      }
      case "\x0c": // Ctrl-L
        return clearScreen();
      case "\x04": // Ctrl-D ends standard input typed without a heredoc
        if (continuation && !continuation.end && !line) return finishContinuation();
        return;
      case "\t":
        return complete();
      default:
        if (key.charAt(0) === "\x1b") return; // other escape sequences: ignored
        return insert(key.replace(/[\x00-\x1f\x7f]/g, ""));
    }
  }

  function insert(text) {
    if (!text) return;
    line = line.slice(0, cursor) + text + line.slice(cursor);
    cursor += text.length;
    redraw();
  }

  // Drawing ----------------------------------------------------------------------------------

  function redraw() {
    var cols = term.cols || 80;
    var out = "";
    if (shownRow > 0) out += "\x1b[" + shownRow + "A";
    out += "\r\x1b[J" + styledPrompt() + line;
    var total = prompt.length + line.length;
    if (total > 0 && total % cols === 0) out += "\r\n"; // leave the pending wrap
    var endRow = Math.floor(total / cols);
    var target = prompt.length + cursor;
    var row = Math.floor(target / cols);
    if (endRow > row) out += "\x1b[" + (endRow - row) + "A";
    out += "\x1b[" + ((target % cols) + 1) + "G";
    shownRow = row;
    term.write(out);
  }

  function moveTo(position) {
    cursor = position;
    redraw();
  }

  function styledPrompt() {
    return BOLD_PROMPT + prompt + RESET;
  }

  function newPrompt(kind) {
    prompt = kind || PROMPT;
    line = "";
    cursor = 0;
    shownRow = 0;
    term.write(styledPrompt());
  }

  /** Leave the input line: put the cursor below it. */
  function endLine() {
    moveTo(line.length);
    term.write("\r\n");
    shownRow = 0;
  }

  function print(text, error) {
    if (!text) return;
    var body = text.replace(/\r?\n/g, "\r\n");
    if (!/\r\n$/.test(body)) body += "\r\n";
    term.write(error ? RED + body + RESET : body);
  }

  function clearScreen() {
    term.write(CLEAR);
    shownRow = 0;
    redraw();
  }

  // History ----------------------------------------------------------------------------------

  function loadHistory() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(historyKey) || "[]");
      return Array.isArray(saved) ? saved.slice(-HISTORY_CAP) : [];
    } catch (e) {
      return [];
    }
  }

  function remember(text) {
    if (!text.trim() || history[history.length - 1] === text) return;
    history.push(text);
    if (history.length > HISTORY_CAP) history = history.slice(-HISTORY_CAP);
    try {
      window.localStorage.setItem(historyKey, JSON.stringify(history));
    } catch (e) {
      /* storage full or refused: history lives for this page only */
    }
  }

  function recall(step) {
    if (continuation || !history.length) return;
    if (historyIndex === history.length) draft = line;
    var next = Math.max(0, Math.min(history.length, historyIndex + step));
    if (next === historyIndex) return;
    historyIndex = next;
    line = next === history.length ? draft : history[next];
    cursor = line.length;
    redraw();
  }

  // Commands ---------------------------------------------------------------------------------

  function enter() {
    var text = line;
    endLine();
    if (continuation) {
      if (continuation.end && text.trim() === continuation.end) return finishContinuation(text);
      continuation.body.push(text);
      return newPrompt(MORE);
    }
    remember(text);
    historyIndex = history.length;
    draft = "";
    var rest = stash;
    stash = null;
    var command = text.trim();
    if (!command) return newPrompt();
    if (command === "clear") {
      term.write(CLEAR);
      return newPrompt();
    }
    var heredoc = HEREDOC.exec(command);
    if (heredoc || STDIN.test(command)) {
      continuation = { first: command, body: [], end: heredoc ? heredoc[2] : null };
      if (!heredoc && !rest) print("(reading standard input: type or paste YAML, then Ctrl-D on an empty line)");
      if (rest) pasteText(rest + "\n");
      newPrompt(MORE);
      return;
    }
    submit(command);
  }

  function finishContinuation(endWord) {
    var c = continuation;
    continuation = null;
    if (!endWord) term.write("\r\n");
    var text = [c.first].concat(c.body).concat(endWord ? [endWord.trim()] : []).join("\n");
    submit(text);
  }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) {
      /* fall back to the cookie */
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function setBusy(on, label) {
    busy = on;
    host.setAttribute("aria-busy", on ? "true" : "false");
    host.classList.toggle("is-busy", on);
    if (status) status.textContent = on ? label || "Running…" : "";
  }

  function submit(text) {
    setBusy(true, "Running " + text.split("\n")[0] + "…");
    controller = window.AbortController ? new AbortController() : null;
    var mine = controller;
    fetch(runUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
      },
      body: new URLSearchParams({ command: text }).toString(),
      signal: mine ? mine.signal : undefined,
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json || response.status >= 500) {
          var why =
            response.status === 403
              ? "the request was refused (HTTP 403): reload the page to get a fresh session"
              : "the server failed to run the command (HTTP " + response.status + "); try again, " +
                "and reload the page if it keeps failing";
          return { ok: false, output: "error: " + why, changed: false };
        }
        return response.json();
      })
      .then(
        function (answer) {
          if (mine !== controller) return; // cancelled with Ctrl-C
          print(answer.output, !answer.ok);
          if (answer.changed) document.body.dispatchEvent(new Event("sandbox-changed"));
          done();
        },
        function (error) {
          if (mine !== controller) return;
          print(
            "error: could not reach the server (" + (error && error.message ? error.message : error) +
              "); check the connection and run the command again",
            true,
          );
          done();
        },
      );
  }

  function done() {
    controller = null;
    setBusy(false);
    newPrompt();
    pump();
  }

  function cancel() {
    queue = [];
    stash = null;
    if (controller) {
      var running = controller;
      controller = null;
      running.abort();
      term.write("^C\r\n");
      setBusy(false);
      newPrompt();
      return;
    }
    if (busy) {
      // a completion was in flight: forget it
      setBusy(false);
    }
    moveTo(line.length);
    term.write("^C\r\n");
    continuation = null;
    historyIndex = history.length;
    newPrompt();
  }

  // Completion -------------------------------------------------------------------------------

  function complete() {
    if (continuation) return insert("  "); // YAML indents with spaces, never tabs
    if (!completeUrl) return;
    var left = line.slice(0, cursor);
    var before = line;
    busy = true;
    var url = completeUrl + (completeUrl.indexOf("?") < 0 ? "?" : "&") + "line=" + encodeURIComponent(left);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { candidates: [], replace: 0 };
      })
      .catch(function () {
        return { candidates: [], replace: 0 };
      })
      .then(function (answer) {
        if (!busy || controller) return; // cancelled meanwhile
        busy = false;
        if (line === before) applyCompletion(answer.candidates || [], answer.replace || 0);
        pump();
      });
  }

  function applyCompletion(candidates, replace) {
    if (!candidates.length) return;
    var partial = line.slice(cursor - replace, cursor);
    if (candidates.length === 1) {
      var word = candidates[0];
      var tail = /[/=]$/.test(word) || line.charAt(cursor) === " " ? "" : " ";
      return replaceWord(replace, word + tail);
    }
    var common = commonPrefix(candidates);
    if (common.length > partial.length) return replaceWord(replace, common);
    listCandidates(candidates);
  }

  function replaceWord(replace, word) {
    line = line.slice(0, cursor - replace) + word + line.slice(cursor);
    cursor = cursor - replace + word.length;
    redraw();
  }

  function commonPrefix(words) {
    var prefix = words[0];
    words.forEach(function (w) {
      while (w.indexOf(prefix) !== 0) prefix = prefix.slice(0, -1);
    });
    return prefix;
  }

  function listCandidates(candidates) {
    var width = Math.max.apply(null, candidates.map(function (c) { return c.length; })) + 2;
    var perRow = Math.max(1, Math.floor((term.cols || 80) / width));
    var rows = Math.ceil(candidates.length / perRow);
    var out = "";
    for (var r = 0; r < rows; r++) {
      var cells = [];
      for (var c = 0; c < perRow; c++) {
        var item = candidates[c * rows + r]; // down the columns, as bash lists them
        if (item !== undefined) cells.push(item + " ".repeat(width - item.length));
      }
      out += cells.join("").replace(/\s+$/, "") + "\r\n";
    }
    var at = cursor;
    endLine();
    term.write(out);
    var keep = line;
    newPrompt(prompt);
    line = keep;
    cursor = at;
    redraw();
  }

  // The page ---------------------------------------------------------------------------------

  function safeFit() {
    try {
      fit.fit();
    } catch (e) {
      /* hidden container: fitted on the next resize */
    }
  }
  if (fit && window.ResizeObserver) {
    new ResizeObserver(function () {
      safeFit();
    }).observe(host);
  } else if (fit) {
    window.addEventListener("resize", safeFit);
  }

  function typeLine(text) {
    if (busy) return;
    if (continuation) {
      continuation = null;
      endLine();
      newPrompt();
    }
    var lines = String(text).replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
    line = lines[0];
    cursor = line.length;
    stash = lines.length > 1 ? lines.slice(1).join("\n") : null;
    historyIndex = history.length;
    redraw();
    if (stash) {
      // Show what Enter will send after the line, then come back to the prompt.
      var preview = lines.slice(1);
      endLine();
      term.write(DIM + preview.map(function (l) { return "  " + l; }).join("\r\n") + RESET + "\r\n");
      term.write(DIM + "(Enter runs the line above with these " + preview.length + " lines)" + RESET + "\r\n");
      var keep = line;
      newPrompt();
      line = keep;
      cursor = keep.length;
      redraw();
    }
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest ? event.target.closest("[data-run]") : null;
    if (!trigger) return;
    event.preventDefault();
    typeLine(trigger.getAttribute("data-run"));
    term.focus();
  });

  window.kubeTerminal = {
    focus: function () {
      term.focus();
    },
    type: function (text) {
      typeLine(text);
      term.focus();
    },
    run: function (text) {
      typeLine("");
      pasteText(String(text).replace(/\n?$/, "\n"));
      pump();
    },
    /** The terminal's text, for tests and for copying all of it. */
    text: function () {
      var buffer = term.buffer.active;
      var out = [];
      for (var i = 0; i < buffer.length; i++) {
        var line = buffer.getLine(i);
        var next = buffer.getLine(i + 1);
        // A row the terminal wrapped continues the one before it: one logical line, and
        // a row that wraps keeps its trailing spaces.
        var text = line.translateToString(!(next && next.isWrapped));
        if (line.isWrapped && out.length) out[out.length - 1] += text;
        else out.push(text);
      }
      return out.join("\n").replace(/\n+$/, "");
    },
  };

  newPrompt();
  if (host.dataset.initial) typeLine(host.dataset.initial);
  host.classList.add("is-ready");
})();

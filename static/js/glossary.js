/* The glossary filters as one types, with the same folding as the server's ?q= (which
   works without JavaScript). */
(function () {
  "use strict";
  var input = document.getElementById("glossary-q");
  var count = document.getElementById("glossary-count");
  if (!input || !count) { return; }
  var fold = function (text) { return text.toLowerCase().replace(/[\s\-_\/]+/g, " ").trim(); };
  var entries = Array.prototype.slice.call(document.querySelectorAll(".glossary-entry"));
  entries.forEach(function (entry) { entry.dataset.folded = fold(entry.dataset.text || ""); });
  var total = count.dataset.total;
  input.addEventListener("input", function () {
    var needle = fold(input.value);
    var shown = 0;
    entries.forEach(function (entry) {
      var match = entry.dataset.folded.indexOf(needle) !== -1;
      entry.hidden = !match;
      if (match) { shown += 1; }
    });
    document.querySelectorAll(".glossary-letter").forEach(function (section) {
      var visible = section.querySelector(".glossary-entry:not([hidden])") !== null;
      section.hidden = !visible;
      var link = document.querySelector('.letters a[data-letter="' + section.id.slice(7) + '"]');
      if (link) { link.classList.toggle("muted", !visible); }
    });
    var template = count.dataset.template || "SHOWN of TOTAL terms";  // translated by the page
    count.textContent = template.replace("SHOWN", shown).replace("TOTAL", total);
  });
})();

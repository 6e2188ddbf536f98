/* The SMS text editor's live preview: the invite as a patient would get it and its segment count,
   computed by the server (the same code that sends). Without JavaScript, saving shows the same. ES5. */
(function () {
  "use strict";
  var box = document.getElementById("template");
  if (!box || !window.fetch) { return; }
  var timer = null;
  function update() {
    var url = box.getAttribute("data-preview") + "?template=" + encodeURIComponent(box.value);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (answer) {
      var sample = document.getElementById("sample");
      var segments = document.getElementById("segments");
      if (answer.text !== undefined) {
        sample.textContent = answer.text;
        segments.textContent = answer.encoding + ", частей: " + answer.segments;
        segments.className = answer.segments > 2 ? "warning" : "muted";
      }
      if (answer.problems) {
        segments.textContent = (answer.text !== undefined ? segments.textContent + ". " : "") +
          answer.problems.join("; ");
        segments.className = "warning";
      }
    });
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
})();

/* The rating page: one tap posts the score, then shows the next step in place.
   Words live in the HTML (rendered from templates); this file only shows and hides them. */
(function () {
  "use strict";
  var api = document.body.getAttribute("data-api") || "";
  var parts = location.pathname.split("/").filter(Boolean);
  var token = new URLSearchParams(location.search).get("t") || parts[parts.length - 1] || "";
  var sections = ["rate", "public", "private", "thanks", "error"];

  function $(id) { return document.getElementById(id); }

  function show(visible) {
    sections.forEach(function (id) { $(id).hidden = visible.indexOf(id) < 0; });
  }

  function call(method, path, data) {
    var options = { method: method, credentials: "omit", referrerPolicy: "no-referrer", headers: {} };
    if (data) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    return fetch(api + "/api/v1/invites/" + encodeURIComponent(token) + path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw (body && body.error) || { code: "other" }; }
        return body;
      });
    });
  }

  function fail(error) {
    var code = error && error.code;
    var known = code === "unknown_invite" || code === "expired_invite";
    if (!known && !$("rate").hidden) { enable(true); }
    show(known ? ["error"] : ["error"].concat(visibleNow()));
    document.querySelectorAll("[data-error]").forEach(function (p) {
      p.hidden = p.getAttribute("data-error") !== (known ? code : "other");
    });
  }

  function visibleNow() {
    return sections.filter(function (id) { return id !== "error" && !$(id).hidden; });
  }

  function enable(on) {
    document.querySelectorAll(".score").forEach(function (b) { b.disabled = !on; });
  }

  function platforms(list) {
    var box = $("platforms");
    box.textContent = "";
    list.forEach(function (p) {
      var a = document.createElement("a");
      a.href = api + p.href;
      a.rel = "noreferrer noopener";
      a.textContent = p.name;
      box.appendChild(a);
    });
  }

  function next(answer) {
    if (answer.feedback_sent) { show(["thanks"]); return; }
    var route = answer.route;
    platforms(answer.platforms || []);
    document.querySelectorAll("[data-route]").forEach(function (h) {
      h.hidden = h.getAttribute("data-route") !== (route === "both" ? "both" : "private");
    });
    show(route === "public" ? ["public"] : route === "private" ? ["private"] : ["public", "private"]);
  }

  document.querySelectorAll(".score").forEach(function (button) {
    button.addEventListener("click", function () {
      button.setAttribute("aria-pressed", "true");
      enable(false);
      call("POST", "/rating", { score: Number(button.value) }).then(next, fail);
    });
  });

  $("complaint").addEventListener("submit", function (event) {
    event.preventDefault();
    var send = event.target.querySelector("button");
    send.disabled = true;
    call("POST", "/feedback", { text: $("text").value }).then(function () { show(["thanks"]); }, function (e) {
      send.disabled = false;
      fail(e);
    });
  });

  $("optout").addEventListener("click", function () {
    call("POST", "/optout").then(function () {
      $("optout").hidden = true;
      $("optout-done").hidden = false;
    }, fail);
  });

  call("GET", "").then(function (invite) {
    $("clinic").textContent = invite.clinic.name;
    document.querySelector("[data-reward]").textContent = invite.reward.display;
    $("reward").hidden = invite.reward.amount_minor <= 0;
    var answer = invite.answer;
    if (answer.opted_out) { $("optout").hidden = true; $("optout-done").hidden = false; }
    if (answer.score) {
      next({ route: answer.route, platforms: invite.platforms, feedback_sent: answer.feedback_sent });
    }
  }, fail);
})();

/* The rating page: the forms work without JavaScript (the API answers with the next page); with it,
   the same forms call the JSON API and the next step appears in place. Words live in the HTML,
   rendered from templates; this file only shows and hides them. ES5, for old in-app browsers. */
(function () {
  "use strict";
  var api = document.body.getAttribute("data-api") || "";
  var lang = document.documentElement.lang || "ru";
  var parts = location.pathname.split("/");
  var token = "";
  for (var i = 0; i < parts.length; i++) {
    if (/^[A-Za-z0-9_-]{12}$/.test(parts[i])) { token = parts[i]; break; }
  }
  var sections = ["rate", "public", "private", "well", "thanks", "stopped", "error"];

  function $(id) { return document.getElementById(id); }

  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  function show(visible) {
    sections.forEach(function (id) { $(id).hidden = visible.indexOf(id) < 0; });
    var scored = visible.indexOf("public") >= 0 || visible.indexOf("private") >= 0 || visible.indexOf("well") >= 0;
    $("change").hidden = !scored;
    $("change").open = false;
    if (!scored) { $("notice").hidden = true; }
  }

  function call(method, path, data) {
    // The page's language goes with every call, so a refusal comes back in the words the page speaks.
    var options = { method: method, credentials: "omit", referrerPolicy: "no-referrer",
                    headers: { "Accept-Language": lang } };
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

  // A refusal that says where the invite stands shows that state; anything else is an error.
  function fail(error) {
    var code = error && error.code;
    enable(true);
    if (code === "answered") { show(["thanks"]); return; }
    if (code === "opted_out") { stopped(); return; }
    var known = code === "unknown_invite" || code === "expired_invite";
    show(known ? ["error"] : ["error"].concat(visibleNow()));
    each("[data-error]", function (p) { p.hidden = p.getAttribute("data-error") !== (known ? code : "other"); });
    if (known) { $("reward").hidden = true; $("optout-form").hidden = true; }
  }

  function stopped() {
    show(["stopped"]);
    $("reward").hidden = true;
    $("optout-form").hidden = true;
    $("optout-done").hidden = false;
  }

  function visibleNow() {
    return sections.filter(function (id) { return id !== "error" && !$(id).hidden; });
  }

  function enable(on) {
    each(".score", function (b) { b.disabled = !on; });
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

  // What may be said of the reward now: offered, earned, budget_spent, phone_limit, or none at all.
  function reward(state) {
    if (!state) { return; }
    $("reward").hidden = state === "none";
    each("[data-reward-state]", function (p) { p.hidden = p.getAttribute("data-reward-state") !== state; });
  }

  function scored(score) {
    each("[data-score]", function (b) { b.textContent = score; });
    each("#change .score", function (b) { b.setAttribute("aria-pressed", String(Number(b.value) === score)); });
  }

  // The titles follow the score: glad, neutral (a 4 under threshold 5) or sorry; the private path first unless glad.
  function next(answer) {
    enable(true);
    reward(answer.reward);
    scored(answer.score);
    if (answer.feedback_sent) { show(["thanks"]); return; }
    var route = answer.route, tone = answer.tone || "sorry";
    if (route === "well") { show(["well"]); return; }
    platforms(answer.platforms || []);
    var title = care ? "care" : route === "both" && tone === "glad" ? "both" : tone === "neutral" ? "neutral" : "sorry";
    each("[data-title]", function (h) { h.hidden = h.getAttribute("data-title") !== title; });
    each("[data-tone]", function (h) { h.hidden = (h.getAttribute("data-tone") === "glad") !== (tone === "glad"); });
    $("paths").setAttribute("data-first", tone === "glad" ? "public" : "private");
    show(route === "public" ? ["public"] : route === "private" ? ["private"] : ["public", "private"]);
    var first = document.querySelector(tone === "glad" ? "#platforms a" : "#text");
    if (first) { first.focus(); }
  }

  // The care message's link asks how the patient feels: its own question, words and ways (no reward, no sites).
  var care = document.body.getAttribute("data-purpose") === "care";
  function purpose(question) {
    care = true;
    document.body.setAttribute("data-purpose", "care");
    $("question").textContent = question;
    each("[data-for]", function (el) { el.hidden = el.getAttribute("data-for") !== "care"; });
  }

  function problem(code) {
    var shown = false;
    each("[data-problem]", function (p) {
      p.hidden = p.getAttribute("data-problem") !== code;
      shown = shown || !p.hidden;
    });
    return shown;
  }

  // An address is asked for only where the channel needs one (the CSS does the same without JavaScript).
  function addressFor(channel) {
    $("address-box").hidden = channel !== "email" && channel !== "telegram";
  }

  each(".score", function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      button.setAttribute("aria-pressed", "true");
      enable(false);
      call("POST", "/rating", { score: Number(button.value) }).then(next, fail);
    });
  });

  $("channel").addEventListener("change", function () { addressFor($("channel").value); });
  addressFor($("channel").value);

  $("complaint").addEventListener("submit", function (event) {
    event.preventDefault();
    var send = event.target.querySelector("button");
    send.disabled = true;
    var wish = { channel: $("channel").value, hours: $("hours").value, address: $("address").value };
    call("POST", "/feedback", { text: $("text").value, contact: wish }).then(function (answer) {
      reward(answer.reward);
      show(["thanks"]);
    }, function (e) {
      send.disabled = false;
      if (!problem(e && e.code)) { fail(e); }
    });
  });

  $("optout-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", "/optout").then(function () {
      if ($("thanks").hidden) { stopped(); return; }
      $("optout-form").hidden = true;
      $("optout-done").hidden = false;
    }, fail);
  });

  if (document.body.getAttribute("data-view")) { return; }  // the server already rendered this state
  call("GET", "").then(function (invite) {
    $("clinic").textContent = invite.clinic.name;
    if (invite.care) { purpose(invite.care.question); }
    if (invite.clinic.logo) { $("logo").src = invite.clinic.logo; $("logo").hidden = false; }
    if (invite.clinic.accent) { document.documentElement.style.setProperty("--accent", invite.clinic.accent); }
    each("[data-reward]", function (b) { b.textContent = invite.reward.display; });
    each("[data-reward-within]", function (b) { b.textContent = invite.reward.within; });
    each("[data-reward-often]", function (b) { b.textContent = invite.reward.often; });
    reward(invite.reward.state);
    var answer = invite.answer;
    if (answer.opted_out && !answer.feedback_sent) { stopped(); return; }
    if (answer.opted_out) { $("optout-form").hidden = true; $("optout-done").hidden = false; }
    if (answer.score) {
      next({ route: answer.route, tone: answer.tone, score: answer.score, platforms: invite.platforms,
             feedback_sent: answer.feedback_sent, reward: invite.reward.state });
    }
  }, fail);
})();

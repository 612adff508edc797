/* The clinic's search box: shared by the page (/) and the embeddable widget (/widget.js).
 * Every piece of question or passage text is inserted with textContent / text nodes, never as HTML.
 * Its words and its languages come from the server (qa_service/web/wording/, one file per registered
 * language): mount(root, {api, lang, text: {code: words}, languages: [{code, name}]}). */
var QASearch = (function () {
  "use strict";

  var DEBOUNCE_MS = 350;
  var MIN_CHARS = 3;
  var counter = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* The passage with the best-answer sentence in <strong> and the question's words in <mark>. */
  function highlighted(text, highlights) {
    var best = (highlights && highlights.answer) || null;
    var terms = (highlights && highlights.terms) || [];
    var cuts = [0, text.length];
    if (best) cuts.push(best[0], best[1]);
    terms.forEach(function (t) { cuts.push(t[0], t[1]); });
    cuts = cuts.filter(function (c) { return c >= 0 && c <= text.length; })
      .sort(function (a, b) { return a - b; })
      .filter(function (c, i, all) { return i === 0 || c !== all[i - 1]; });
    var p = el("p", "qa-passage");
    for (var i = 0; i + 1 < cuts.length; i++) {
      var s = cuts[i], e = cuts[i + 1];
      var node = document.createTextNode(text.slice(s, e));
      var isTerm = terms.some(function (t) { return t[0] <= s && e <= t[1]; });
      if (isTerm) { var mark = el("mark", "qa-term"); mark.appendChild(node); node = mark; }
      if (best && best[0] <= s && e <= best[1]) { var strong = el("strong", "qa-best"); strong.appendChild(node); node = strong; }
      p.appendChild(node);
    }
    return p;
  }

  function mount(root, options) {
    var api = (options.api || "").replace(/\/$/, "");
    var TEXT = options.text;
    var languages = options.languages;
    var pivot = languages[0].code;
    function known(code) { return Object.prototype.hasOwnProperty.call(TEXT, code); }
    var lang = known(options.lang) ? options.lang : pivot;
    var id = "qa-" + (++counter);
    var timer = null;
    var inflight = null;
    var sequence = 0;
    var lastQuery = "";

    var section = el("section", "qa");
    var top = el("div", "qa-top");
    var title = el("h1", "qa-title");
    var switcher = el("div", "qa-lang");
    switcher.setAttribute("role", "group");
    var buttons = {};
    languages.forEach(function (entry) {
      var code = entry.code;
      var b = el("button", "qa-lang-button", code.toUpperCase());
      b.type = "button";
      b.lang = code;
      b.setAttribute("aria-label", entry.name);
      b.addEventListener("click", function () { setLanguage(code); });
      buttons[code] = b;
      switcher.appendChild(b);
    });
    top.appendChild(title);
    top.appendChild(switcher);
    var intro = el("p", "qa-intro");
    var form = el("form", "qa-form");
    form.setAttribute("role", "search");
    var label = el("label", "qa-label");
    label.htmlFor = id + "-q";
    var row = el("div", "qa-row");
    var input = el("input", "qa-input");
    input.type = "search";
    input.id = id + "-q";
    input.name = "q";
    input.autocomplete = "off";
    input.maxLength = 3000;
    input.setAttribute("aria-describedby", id + "-hint");
    var submit = el("button", "qa-submit");
    submit.type = "submit";
    row.appendChild(input);
    row.appendChild(submit);
    var hint = el("p", "qa-hint");
    hint.id = id + "-hint";
    // A topic filter (the articles' front-matter tags), shown only when the library has tags.
    var topicRow = el("div", "qa-topic");
    var topicLabel = el("label", "qa-topic-label");
    topicLabel.htmlFor = id + "-topic";
    var topic = el("select", "qa-topic-select");
    topic.id = id + "-topic";
    var allTopics = el("option", "", "");
    allTopics.value = "";
    topic.appendChild(allTopics);
    topicRow.appendChild(topicLabel);
    topicRow.appendChild(topic);
    topicRow.hidden = true;
    form.appendChild(label);
    form.appendChild(row);
    form.appendChild(topicRow);
    form.appendChild(hint);
    var status = el("p", "qa-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var alertSlot = el("div", "qa-alert-slot");
    var results = el("div", "qa-results");
    results.setAttribute("aria-live", "polite");
    var disclaimer = el("p", "qa-disclaimer");
    [top, intro, form, status, alertSlot, results, disclaimer].forEach(function (n) { section.appendChild(n); });
    root.appendChild(section);

    function t(key) { return TEXT[lang][key]; }
    /* "in French" in the reader's language; the language's own name where the wording has no phrase. */
    function otherLanguage(code) {
      var phrases = t("other_lang") || {};
      if (phrases[code]) return phrases[code];
      var named = languages.filter(function (entry) { return entry.code === code; });
      return named.length ? named[0].name : code;
    }

    function applyLanguage() {
      title.textContent = t("heading");
      intro.textContent = t("intro");
      label.textContent = t("label");
      input.placeholder = t("placeholder");
      hint.textContent = t("hint");
      submit.textContent = t("search");
      switcher.setAttribute("aria-label", t("language"));
      topicLabel.textContent = t("topic");
      allTopics.textContent = t("all_topics");
      disclaimer.textContent = t("disclaimer");
      section.lang = lang;
      Object.keys(buttons).forEach(function (code) { buttons[code].setAttribute("aria-pressed", String(code === lang)); });
    }

    function setLanguage(code) {
      if (!known(code) || code === lang) return;
      lang = code;
      applyLanguage();
      if (options.onLanguage) options.onLanguage(code);
      if (lastQuery) search(lastQuery, true);
    }

    function clear() {
      sequence++;
      if (inflight) inflight.abort();
      input.value = "";
      lastQuery = "";
      status.textContent = "";
      alertSlot.replaceChildren();
      results.replaceChildren();
      results.removeAttribute("aria-busy");
      disclaimer.textContent = t("disclaimer");
    }

    function showError(key) {
      results.replaceChildren(el("p", "qa-error", t(key)));
      status.textContent = "";
      results.removeAttribute("aria-busy");
    }

    function feedback(question, answerId, box) {
      var q = el("span", "qa-feedback-q", t("helpful"));
      box.appendChild(q);
      [["yes", true], ["no", false]].forEach(function (pair) {
        var b = el("button", "qa-feedback-button", t(pair[0]));
        b.type = "button";
        b.addEventListener("click", function () {
          fetch(api + "/api/v1/feedback", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ question: question, answer_id: answerId, helpful: pair[1] })
          }).catch(function () { /* feedback is best effort */ });
          box.replaceChildren(el("span", "qa-feedback-thanks", t("thanks")));
        });
        box.appendChild(b);
      });
    }

    function render(data) {
      alertSlot.replaceChildren();
      results.replaceChildren();
      results.removeAttribute("aria-busy");
      if (data.urgent) {
        var alertBox = el("div", "qa-alert qa-alert-" + data.urgent.level);
        alertBox.setAttribute("role", "alert");
        alertBox.appendChild(el("strong", "qa-alert-title", t(data.urgent.level === "emergency" ? "emergency" : "urgent")));
        alertBox.appendChild(el("p", "qa-alert-message", data.urgent.message));
        var said = (data.answers || []).filter(function (a) { return a.id === data.urgent.passage; })[0];
        if (said) {  // the clinic's own article lists this warning sign: its words, even when nothing else is answered
          var quote = el("blockquote", "qa-alert-source");
          if (said.lang) quote.lang = said.lang;
          quote.appendChild(el("p", "qa-alert-source-title", t("article_says").replace("{title}", said.document.title)));
          quote.appendChild(el("p", "qa-alert-source-text", said.text));
          alertBox.appendChild(quote);
        }
        alertSlot.appendChild(alertBox);
      }
      if (!data.answered) {
        var none = el("div", "qa-noanswer");
        none.appendChild(el("h2", "qa-noanswer-title", t("no_answer_title")));
        none.appendChild(el("p", "qa-noanswer-text", data.message || t("no_answer_hint")));
        results.appendChild(none);
        status.textContent = t("no_answer_title") + ".";
      } else {
        var list = el("ol", "qa-answers");
        data.answers.forEach(function (a) {
          var item = el("li", "qa-answer");
          var source = el("p", "qa-source");
          source.appendChild(el("span", "qa-source-label", t("from") + " "));
          var url = a.document.url;
          if (url && /^https?:\/\//i.test(url)) {  // the clinic's own page for this article
            var link = el("a", "qa-article", a.document.title);
            link.href = url;
            link.rel = "noopener";
            source.appendChild(link);
          } else {
            source.appendChild(el("span", "qa-article", a.document.title));
          }
          if (a.section && a.section !== a.document.title) {
            source.appendChild(document.createTextNode(" › "));
            source.appendChild(el("span", "qa-section", a.section));
          }
          if (a.lang && a.lang !== lang) {
            source.appendChild(el("span", "qa-other-lang", " (" + otherLanguage(a.lang) + ")"));
          }
          item.appendChild(source);
          if (a.lang) item.lang = a.lang;
          item.appendChild(highlighted(a.text, a.highlights));
          var box = el("div", "qa-feedback");
          feedback(data.question, a.id, box);
          item.appendChild(box);
          list.appendChild(item);
        });
        results.appendChild(list);
        var n = data.answers.length;
        status.textContent = n === 1 ? t("found_one") : t("found_many").replace("{n}", String(n));
      }
      disclaimer.textContent = data.disclaimer || t("disclaimer");
    }

    function search(question, immediate) {
      var q = question.trim();
      if (!immediate && q.length < MIN_CHARS) return;
      if (!q) { clear(); return; }
      lastQuery = q;
      var mine = ++sequence;
      if (inflight) inflight.abort();
      inflight = typeof AbortController === "function" ? new AbortController() : null;
      status.textContent = t("searching");
      results.setAttribute("aria-busy", "true");
      fetch(api + "/api/v1/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(topic.value ? { question: q, top_k: 3, lang: lang, filters: { tags: [topic.value] } }
          : { question: q, top_k: 3, lang: lang }),
        signal: inflight ? inflight.signal : undefined
      }).then(function (resp) {
        if (mine !== sequence) return;
        if (resp.status === 429) return showError("error_busy");
        if (resp.status === 422 || resp.status === 413 || resp.status === 400) return showError("error_invalid");
        if (!resp.ok) return showError("error_server");
        return resp.json().then(function (data) { if (mine === sequence) render(data); });
      }).catch(function (err) {
        if (mine !== sequence || (err && err.name === "AbortError")) return;
        showError("error_network");
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      if (!input.value.trim()) { clear(); return; }
      timer = setTimeout(function () { search(input.value, false); }, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); clearTimeout(timer); clear(); input.focus(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      search(input.value, true);
    });

    topic.addEventListener("change", function () { if (input.value.trim()) search(input.value, true); });
    fetch(api + "/api/v1/info").then(function (resp) { return resp.ok ? resp.json() : null; }).then(function (info) {
      var tags = {};
      ((info && info.documents) || []).forEach(function (d) { (d.tags || []).forEach(function (tag) { tags[tag] = true; }); });
      Object.keys(tags).sort().forEach(function (tag) {
        var option = el("option", "", tag.replace(/-/g, " "));
        option.value = tag;
        topic.appendChild(option);
      });
      topicRow.hidden = Object.keys(tags).length === 0;
    }).catch(function () { /* no topics: the search works without them */ });

    applyLanguage();
    return { setLanguage: setLanguage, input: input, topic: topic };
  }

  return { mount: mount };
})();

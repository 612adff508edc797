/* The clinic's search box: shared by the page (/) and the embeddable widget (/widget.js).
 * Every piece of question or passage text is inserted with textContent / text nodes, never as HTML. */
var QASearch = (function () {
  "use strict";

  var TEXT = {
    en: {
      heading: "Ask about your skin treatment",
      intro: "Answers come from our clinic's patient-education articles.",
      label: "Your question",
      placeholder: "e.g. Is it normal to get pimples after microneedling?",
      hint: "Results appear as you type. Press Enter to search, Escape to clear.",
      search: "Search",
      language: "Language",
      topic: "Topic",
      allTopics: "All topics",
      searching: "Searching…",
      found: function (n) { return n === 1 ? "1 answer found." : n + " answers found."; },
      from: "From",
      otherLang: { fr: "in French", en: "in English" },
      emergency: "Call 911 now",
      urgent: "Please seek care today",
      noAnswerTitle: "Our articles don't cover this question",
      noAnswerHint: "Please contact the clinic: our team will be happy to help.",
      helpful: "Was this helpful?",
      yes: "Yes",
      no: "No",
      thanks: "Thank you for your feedback.",
      errorNetwork: "We can't reach the answer service right now. Please check your connection and try again, or contact the clinic.",
      errorBusy: "Many questions are being asked right now. Please wait a moment and try again.",
      errorServer: "Something went wrong on our side. Please try again in a moment, or contact the clinic.",
      errorInvalid: "Please shorten or rephrase your question and try again.",
      disclaimer: "This is general information from our clinic's articles, not medical advice. Please consult your practitioner about your own situation."
    },
    fr: {
      heading: "Questions sur votre traitement de la peau",
      intro: "Les réponses proviennent des articles d'information de notre clinique.",
      label: "Votre question",
      placeholder: "p. ex. Est-ce normal d'avoir des boutons après le microneedling?",
      hint: "Les résultats s'affichent pendant la saisie. Entrée pour chercher, Échap pour effacer.",
      search: "Chercher",
      language: "Langue",
      topic: "Sujet",
      allTopics: "Tous les sujets",
      searching: "Recherche en cours…",
      found: function (n) { return n === 1 ? "1 réponse trouvée." : n + " réponses trouvées."; },
      from: "Source",
      otherLang: { fr: "en français", en: "en anglais" },
      emergency: "Appelez le 911 maintenant",
      urgent: "Consultez aujourd'hui",
      noAnswerTitle: "Nos articles ne traitent pas de cette question",
      noAnswerHint: "Communiquez avec la clinique : notre équipe se fera un plaisir de vous aider.",
      helpful: "Cette réponse vous a-t-elle aidé?",
      yes: "Oui",
      no: "Non",
      thanks: "Merci de votre commentaire.",
      errorNetwork: "Le service de réponses est injoignable pour le moment. Vérifiez votre connexion et réessayez, ou communiquez avec la clinique.",
      errorBusy: "Beaucoup de questions sont posées en ce moment. Patientez un instant et réessayez.",
      errorServer: "Un problème est survenu de notre côté. Réessayez dans un moment ou communiquez avec la clinique.",
      errorInvalid: "Raccourcissez ou reformulez votre question, puis réessayez.",
      disclaimer: "Ces renseignements généraux proviennent des articles de notre clinique et ne remplacent pas un avis médical. Consultez votre praticien pour votre situation personnelle."
    }
  };
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
    var lang = TEXT[options.lang] ? options.lang : "en";
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
    ["en", "fr"].forEach(function (code) {
      var b = el("button", "qa-lang-button", code.toUpperCase());
      b.type = "button";
      b.lang = code;
      b.setAttribute("aria-label", code === "en" ? "English" : "Français");
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

    function applyLanguage() {
      title.textContent = t("heading");
      intro.textContent = t("intro");
      label.textContent = t("label");
      input.placeholder = t("placeholder");
      hint.textContent = t("hint");
      submit.textContent = t("search");
      switcher.setAttribute("aria-label", t("language"));
      topicLabel.textContent = t("topic");
      allTopics.textContent = t("allTopics");
      disclaimer.textContent = t("disclaimer");
      section.lang = lang;
      Object.keys(buttons).forEach(function (code) { buttons[code].setAttribute("aria-pressed", String(code === lang)); });
    }

    function setLanguage(code) {
      if (!TEXT[code] || code === lang) return;
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
        alertSlot.appendChild(alertBox);
      }
      if (!data.answered) {
        var none = el("div", "qa-noanswer");
        none.appendChild(el("h2", "qa-noanswer-title", t("noAnswerTitle")));
        none.appendChild(el("p", "qa-noanswer-text", data.message || t("noAnswerHint")));
        results.appendChild(none);
        status.textContent = t("noAnswerTitle") + ".";
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
          if (a.lang && a.lang !== lang && t("otherLang")[a.lang]) {
            source.appendChild(el("span", "qa-other-lang", " (" + t("otherLang")[a.lang] + ")"));
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
        status.textContent = t("found")(data.answers.length);
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
        if (resp.status === 429) return showError("errorBusy");
        if (resp.status === 422 || resp.status === 413 || resp.status === 400) return showError("errorInvalid");
        if (!resp.ok) return showError("errorServer");
        return resp.json().then(function (data) { if (mine === sequence) render(data); });
      }).catch(function (err) {
        if (mine !== sequence || (err && err.name === "AbortError")) return;
        showError("errorNetwork");
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

  return { mount: mount, text: TEXT };
})();

/* Boots the search page: the language comes from the server (?lang=, else Accept-Language), with every
 * registered language's words, in the page's <script type="application/json" id="qa-search-box">. */
(function () {
  "use strict";
  var root = document.getElementById("qa-root");
  var data = document.getElementById("qa-search-box");
  if (!root || !data) return;
  var box = JSON.parse(data.textContent);
  var ui = QASearch.mount(root, {
    api: "",
    lang: box.lang,
    text: box.text,
    languages: box.languages,
    onLanguage: function (code) {
      document.documentElement.lang = code;
      document.title = box.text[code].heading;
      var url = new URL(window.location.href);
      url.searchParams.set("lang", code);
      window.history.replaceState(null, "", url.toString());
    }
  });
  ui.input.focus();
})();

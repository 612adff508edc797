/* Boots the search page: the language comes from the server (?lang=, else Accept-Language). */
(function () {
  "use strict";
  var root = document.getElementById("qa-root");
  if (!root) return;
  var ui = QASearch.mount(root, {
    api: "",
    lang: root.getAttribute("data-lang") || "en",
    onLanguage: function (code) {
      document.documentElement.lang = code;
      document.title = QASearch.text[code].heading;
      var url = new URL(window.location.href);
      url.searchParams.set("lang", code);
      window.history.replaceState(null, "", url.toString());
    }
  });
  ui.input.focus();
})();

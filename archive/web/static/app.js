// archive: the page works without this script; with it, "/" focuses the search box, results
// follow the query as it is typed, and sort/group controls apply at once.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var box = document.getElementById("q");

  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || !box) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    box.focus();
    box.select();
  });

  function addressOf(form) {
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    return "/search?" + params.toString();
  }

  // Search as you type: the results part of the page, fetched after a pause in typing.
  var results = document.getElementById("results");
  if (box && results && box.dataset.live === "on") {
    var timer = null, pending = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!box.value.trim()) return;
        var address = addressOf(box.form);
        if (pending) pending.abort();
        pending = new AbortController();
        fetch(address + "&partial=1", { signal: pending.signal, headers: { "Accept": "text/html" } })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            results.innerHTML = html;
            history.replaceState(null, "", address);
            document.title = box.value.trim() + " · archive";
            var welcome = document.querySelector(".welcome");
            if (welcome) welcome.hidden = true;
          })
          .catch(function (err) { if (err.name !== "AbortError") box.form.submit(); });
      }, 300);
    });
  }

  // Sort and group apply as soon as they change.
  document.addEventListener("change", function (e) {
    var form = e.target && e.target.form;
    if (form && form.classList.contains("controls")) form.submit();
  });
})();

// Refresh the escalation queue every 10 s without reloading the page.
(function () {
  var box = document.querySelector("[data-refresh]");
  if (!box) return;
  function refresh() {
    fetch(box.dataset.refresh, { credentials: "same-origin" })
      .then(function (r) { if (r.status === 401) { location.reload(); } return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {});
  }
  setInterval(refresh, 10000);
})();

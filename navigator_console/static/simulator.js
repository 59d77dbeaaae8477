// Send without reloading and show new messages as they arrive (polled every second).
(function () {
  var chat = document.getElementById("chat");
  var form = document.getElementById("send");
  if (!chat || !form) return;
  var after = Number(chat.dataset.after || 0);

  function bubble(m) {
    if (chat.querySelector('[data-id="' + m.id + '"]')) return;
    var li = document.createElement("li");
    li.className = "bubble " + m.direction;
    li.dataset.id = m.id;
    var body = document.createElement("span");
    body.className = "body";
    body.textContent = m.body;
    var time = document.createElement("time");
    time.textContent = m.time;
    li.appendChild(body);
    li.appendChild(time);
    chat.appendChild(li);
    chat.scrollTop = chat.scrollHeight;
  }

  function poll() {
    fetch(chat.dataset.poll + "?after=" + after, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) {
        data.messages.forEach(function (m) { bubble(m); after = Math.max(after, m.id); });
      })
      .catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    form.querySelector("input[name=text]").value = "";
    fetch(form.action, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin" })
      .then(poll);
  });
  chat.scrollTop = chat.scrollHeight;
  setInterval(poll, 1000);
})();

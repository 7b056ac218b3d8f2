// The emailed link carries the voting code after "#code=": browsers never send that part to
// the server, so the code stays out of every log. Copy it into the field, then drop it from
// the address bar and the history. Without JavaScript the member types the code.
(function () {
  var match = /^#code=([A-Za-z0-9-]{1,40})$/.exec(window.location.hash);
  var field = document.getElementById("code");
  if (!match || !field) {
    return;
  }
  field.value = match[1];
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  field.focus();
})();

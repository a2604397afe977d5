// The console's clock page: fill in the phone's own time, so setting the box's clock is one tap.
(function () {
  var form = document.getElementById("clock-form");
  if (!form) return;
  var typed = document.getElementById("f-phone_time");
  var epoch = document.getElementById("phone-epoch");
  var shown = document.getElementById("phone-now");
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function local(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  var edited = false;
  typed.addEventListener("input", function () { edited = true; });
  function tick() {
    var now = new Date();
    shown.textContent = now.toLocaleString();
    if (!edited) typed.value = local(now);
  }
  tick();
  setInterval(tick, 1000);
  form.addEventListener("submit", function () {
    // The phone's clock to the millisecond, unless the volunteer typed a time by hand.
    epoch.value = edited ? "" : String(Date.now());
  });
})();

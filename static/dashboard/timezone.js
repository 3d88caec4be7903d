// Tells the server the browser's time zone once (a cookie), so that the dashboard and the
// admin show times in it; reloads once when this page was drawn in another zone.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  // IANA names ("Europe/Berlin") are valid cookie text as they are; anything else is not sent.
  if (!zone || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) return;
  var shown = document.documentElement.getAttribute("data-time-zone");
  var stored = (document.cookie.match(/(?:^|; )bt_tz=([^;]*)/) || [])[1];
  if (stored !== zone) {
    document.cookie = "bt_tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
  // Once per tab and zone, so that a zone the server does not know cannot reload forever.
  var key = "bt_tz_reloaded";
  if (shown && shown !== zone && sessionStorage.getItem(key) !== zone) {
    sessionStorage.setItem(key, zone);
    window.location.reload();
  }
})();

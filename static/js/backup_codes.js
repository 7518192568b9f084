// The page showing new backup codes: Copy and Print buttons (shown only when this script runs).
(function () {
  "use strict";
  var list = document.querySelector("[data-testid='backup-codes']");
  var copy = document.querySelector("[data-copy-backup-codes]");
  var print = document.querySelector("[data-print-backup-codes]");
  var status = document.querySelector("[data-copy-status]");
  if (!list) return;
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(list.textContent.trim() + "\n").then(
        function () { status.textContent = "Copied."; },
        function () { status.textContent = "Could not copy: select the codes and copy them."; }
      );
    });
  }
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();

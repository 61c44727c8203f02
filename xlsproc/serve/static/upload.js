// The drop zone: files dropped on it become the form's files; the form then works as without
// script (a plain POST). Nothing else; no library, nothing from the internet.
(function () {
  var form = document.getElementById("upload");
  var input = document.getElementById("files");
  var zone = document.getElementById("drop");
  var chosen = document.getElementById("chosen");
  if (!form || !input || !zone) return;
  function show() {
    var names = [];
    for (var i = 0; i < input.files.length; i++) names.push(input.files[i].name);
    chosen.textContent = names.length ? "已选择：" + names.join("、") : "";
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
  form.addEventListener("submit", function () {
    document.getElementById("busy").hidden = false;
  });
})();

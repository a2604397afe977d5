// Photos over a crowded wifi: where scripts run, a chosen photo is shrunk in the phone to the size
// the box shows (1280 px, turned upright, its metadata gone) before it is sent, with a small preview.
// Without this script, or when the phone cannot do it, the original goes and the box does it all.
(function () {
  var inputs = document.querySelectorAll("input[type=file][data-shrink]");
  if (!inputs.length || !window.createImageBitmap || !window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) return;

  function shrink(file, size) {
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, size / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (done) {
        canvas.toBlob(function (blob) { done({blob: blob, canvas: canvas}); }, "image/jpeg", 0.85);
      });
    });
  }

  function preview(canvas) {
    var small = document.createElement("canvas");
    var scale = 96 / Math.max(canvas.width, canvas.height);
    small.width = Math.round(canvas.width * scale);
    small.height = Math.round(canvas.height * scale);
    small.getContext("2d").drawImage(canvas, 0, 0, small.width, small.height);
    var img = document.createElement("img");
    img.src = small.toDataURL("image/jpeg", 0.7);  // a data: URL: the box's CSP allows no blob: images
    img.width = small.width;
    img.height = small.height;
    img.alt = "";
    return img;
  }

  function say(input, text) {
    var note = document.getElementById(input.id + "-note");
    note.textContent = text;
  }

  Array.prototype.forEach.call(inputs, function (input) {
    var size = parseInt(input.getAttribute("data-shrink"), 10) || 1280;
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    var shown = document.getElementById(input.id + "-preview");
    var busy = false, waiting = null;
    // Sent while the photos are still being made lighter: wait for them, then send.
    input.form.addEventListener("submit", function (event) {
      if (!busy) return;
      event.preventDefault();
      waiting = {submitter: event.submitter};
    });
    input.addEventListener("change", function () {
      if (busy || !input.files.length) return;
      var files = Array.prototype.slice.call(input.files);
      shown.textContent = "";
      say(input, input.getAttribute("data-working"));
      busy = true;
      Promise.all(files.map(function (file) {
        return shrink(file, size).then(function (made) {
          // Keep the original when shrinking would not make it lighter (a small photo already).
          var lighter = made.blob && made.blob.size < file.size;
          shown.appendChild(preview(made.canvas));
          return lighter ? new File([made.blob], file.name.replace(/\.\w+$/, "") + ".jpg", {type: "image/jpeg"}) : file;
        }, function () { return file; });  // not a photo the phone can read: the box will say so
      })).then(function (ready) {
        var transfer = new DataTransfer();
        var total = 0;
        ready.forEach(function (file) { transfer.items.add(file); total += file.size; });
        input.files = transfer.files;
        busy = false;
        if (waiting !== null) {
          var submitter = waiting.submitter;
          waiting = null;
          if (submitter) input.form.requestSubmit(submitter); else input.form.requestSubmit();
        }
        if (maxBytes && total > maxBytes) {
          say(input, input.getAttribute("data-too-large"));
          input.setCustomValidity(input.getAttribute("data-too-large"));
        } else {
          input.setCustomValidity("");
          var megabytes = (total / 1048576).toLocaleString(document.documentElement.lang, {maximumFractionDigits: 1});
          say(input, input.getAttribute("data-ready").replace("%s", megabytes));
        }
      });
    });
  });
})();

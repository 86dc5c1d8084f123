/* The scan page: back camera → canvas → jsQR, or a photo of the label, or a typed code.
   Decoding is exposed as window.QJScan so a test can feed it a picture. */
(function () {
  "use strict";

  var MAX_SIDE = 800;          // frames are scaled down before decoding: faster on phones
  var FRAME_INTERVAL = 150;    // ms between decode attempts

  function decodeImageData(imageData, thorough) {
    if (typeof window.jsQR !== "function") { return null; }
    var found = window.jsQR(imageData.data, imageData.width, imageData.height,
      { inversionAttempts: thorough ? "attemptBoth" : "dontInvert" });
    return found && found.data ? found.data : null;
  }

  // Draw any image/video source into the canvas (scaled) and decode it.
  function decodeSource(source, width, height, canvas, thorough) {
    if (!width || !height) { return null; }
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    var w = Math.round(width * scale), h = Math.round(height * scale);
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, w, h);
    return decodeImageData(ctx.getImageData(0, 0, w, h), thorough);
  }

  function decodeImage(img, canvas) {
    return decodeSource(img, img.naturalWidth || img.width, img.naturalHeight || img.height,
      canvas || document.createElement("canvas"), true);
  }

  window.QJScan = { decodeImageData: decodeImageData, decodeImage: decodeImage };

  function init() {
    var root = document.getElementById("qj-scan");
    if (!root) { return; }
    var lookupUrl = root.getAttribute("data-lookup-url");
    var video = document.getElementById("qj-scan-video");
    var canvas = document.getElementById("qj-scan-canvas");
    var stage = document.getElementById("qj-scan-stage");
    var status = document.getElementById("qj-scan-status");
    var startBtn = document.getElementById("qj-scan-start");
    var stopBtn = document.getElementById("qj-scan-stop");
    var photo = document.getElementById("qj-scan-photo");
    var stream = null, timer = null, busy = false, lastText = "", lastAt = 0;

    function show(kind, text, choices) {
      status.textContent = "";
      var box = document.createElement("div");
      box.className = "alert mb-0 alert-" + kind;
      box.setAttribute("data-scan-message", kind);
      box.appendChild(document.createTextNode(text));
      if (choices && choices.length) {
        var list = document.createElement("ul");
        list.className = "mb-0 mt-2";
        choices.forEach(function (c) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = c.url;
          a.textContent = c.kind + " " + c.code + " " + c.name;
          li.appendChild(a);
          list.appendChild(li);
        });
        box.appendChild(list);
      }
      status.appendChild(box);
    }

    function stop() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      video.srcObject = null;
      stage.classList.remove("is-live");
      startBtn.hidden = false;
      stopBtn.hidden = true;
    }

    function tick() {
      timer = null;
      if (!stream) { return; }
      if (!busy && video.readyState >= 2) {
        var text = null;
        try { text = decodeSource(video, video.videoWidth, video.videoHeight, canvas, false); } catch (e) { text = null; }
        if (text && !(text === lastText && Date.now() - lastAt < 3000)) {
          lastText = text;
          lastAt = Date.now();
          handle(text);
        }
      }
      timer = setTimeout(tick, FRAME_INTERVAL);
    }

    function handle(text) {
      busy = true;
      show("info", "已识别，正在查找……");
      var url = lookupUrl + "?format=json&code=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("json") === -1) { throw new Error("login"); }
          return response.json();
        })
        .then(function (data) {
          if (data.status === "found" && data.url) {
            show("success", data.message + "，正在打开……");
            stop();
            window.location.assign(data.url);
            return;
          }
          show(data.status === "several" ? "info" : "warning", data.message, data.choices);
          busy = false;
        })
        .catch(function (err) {
          show("danger", err && err.message === "login" ? "登录已过期，请刷新页面重新登录。" : "网络异常，查找失败，请稍后重试。");
          busy = false;
        });
    }

    function cameraError(err) {
      var name = err && err.name;
      if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
        show("warning", "没有获得摄像头权限。请在浏览器的网站设置中允许使用摄像头后重试，或使用“拍照识别”、手工输入编码。");
      } else if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
        show("warning", "这台设备没有可用的摄像头（电脑通常没有）。请用手机打开本页扫码，或在下方手工输入编码。");
      } else if (name === "NotReadableError" || name === "TrackStartError") {
        show("warning", "摄像头正被其他应用占用，请关闭其他应用后重试。");
      } else {
        show("warning", "无法打开摄像头，请使用“拍照识别”或手工输入编码。");
      }
      stop();
    }

    function start() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        show("warning", window.isSecureContext === false
          ? "当前网址不是 HTTPS，浏览器不允许网页直接使用摄像头。请使用“拍照识别”或手工输入编码。"
          : "此浏览器不支持在网页中使用摄像头，请使用“拍照识别”或手工输入编码。");
        return;
      }
      show("secondary", "正在打开摄像头……");
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.setAttribute("playsinline", "");
          return video.play();
        })
        .then(function () {
          stage.classList.add("is-live");
          startBtn.hidden = true;
          stopBtn.hidden = false;
          busy = false;
          show("secondary", "请将二维码放入框内，识别后会自动打开。");
          tick();
        })
        .catch(cameraError);
    }

    photo.addEventListener("change", function () {
      var file = photo.files && photo.files[0];
      if (!file) { return; }
      var img = new Image();
      var src = URL.createObjectURL(file);
      img.onload = function () {
        URL.revokeObjectURL(src);
        var text = decodeImage(img, canvas);
        if (text) { handle(text); } else {
          show("warning", "照片中没有识别到二维码。请靠近标签、保持对焦清晰后重拍，或手工输入编码。");
        }
        photo.value = "";
      };
      img.onerror = function () {
        URL.revokeObjectURL(src);
        show("warning", "无法读取这张照片，请重拍。");
      };
      img.src = src;
    });

    startBtn.addEventListener("click", start);
    stopBtn.addEventListener("click", function () { stop(); show("secondary", "已停止扫码。"); });
    window.addEventListener("pagehide", stop);
    document.addEventListener("visibilitychange", function () { if (document.hidden) { stop(); } });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

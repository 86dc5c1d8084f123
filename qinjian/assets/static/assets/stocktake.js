/* 手机盘点: scan a label (camera or photo) or type a code, confirm location/status/photo, submit.
   Every scan gets a client_id and goes into a queue kept in localStorage; the queue is sent when the
   phone is online (and again after a failure), so a resend is harmless and nothing is lost offline. */
(function () {
  "use strict";

  var MAX_SIDE = 800;          // camera frames are scaled down before decoding
  var FRAME_INTERVAL = 150;    // ms between decode attempts
  var BATCH = 100;             // scans per request when the queue is sent
  var RETRY_MS = 15000;        // retry while something is queued
  var MAX_RESULTS = 30;
  var PHOTO_SIDE = 1280;       // photos are shrunk before they are kept (localStorage is small)

  function $(id) { return document.getElementById(id); }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var s = "";
    for (var i = 0; i < 32; i++) { s += Math.floor(Math.random() * 16).toString(16); }
    return s.slice(0, 8) + "-" + s.slice(8, 12) + "-" + s.slice(12, 16) + "-" + s.slice(16, 20) + "-" + s.slice(20);
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) { return fallback; }
  }

  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }

  function hhmm(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ""; }
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return p(d.getHours()) + ":" + p(d.getMinutes());
  }

  // A label's QR payload is a URL; people read "资产标签 #123" better than the URL itself.
  function pretty(code) {
    var m = /\/q\/assets\.asset\/(\d+)\/?$/.exec(code.split("?")[0]);
    if (m) { return "资产标签 #" + m[1]; }
    return /^https?:\/\//i.test(code) ? "二维码：" + code.slice(0, 40) : code;
  }

  function decode(source, width, height, canvas, thorough) {
    if (typeof window.jsQR !== "function" || !width || !height) { return null; }
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    var w = Math.round(width * scale), h = Math.round(height * scale);
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, w, h);
    var data = ctx.getImageData(0, 0, w, h);
    var found = window.jsQR(data.data, w, h, { inversionAttempts: thorough ? "attemptBoth" : "dontInvert" });
    return found && found.data ? found.data : null;
  }

  function shrinkPhoto(file, done) {
    if (!file) { done(null); return; }
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, PHOTO_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var c = document.createElement("canvas");
        c.width = Math.round(img.naturalWidth * scale);
        c.height = Math.round(img.naturalHeight * scale);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        done(c.toDataURL("image/jpeg", 0.72));
      };
      img.onerror = function () { done(null); };
      img.src = reader.result;
    };
    reader.onerror = function () { done(null); };
    reader.readAsDataURL(file);
  }

  function dataUrlToBlob(url) {
    var parts = url.split(",");
    var bin = window.atob(parts[1]);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new Blob([bytes], { type: "image/jpeg" });
  }

  function init() {
    var root = $("qj-st");
    if (!root || root.getAttribute("data-active") !== "1") { return; }
    var campaign = root.getAttribute("data-campaign");
    var urls = {
      scans: root.getAttribute("data-scans-url"),
      lookup: root.getAttribute("data-lookup-url"),
      progress: root.getAttribute("data-progress-url"),
      photo: root.getAttribute("data-photo-url")
    };
    var KEY = "qj-stocktake:" + campaign + ":";
    var queue = load(KEY + "queue", []);
    var photos = load(KEY + "photos", []);
    var results = load(KEY + "results", []);
    var sending = false, online = navigator.onLine !== false, timer = null;
    var current = null;   // { code, lookup }

    var here = $("qj-st-here");
    here.value = load(KEY + "here", "") || "";
    here.addEventListener("change", function () { save(KEY + "here", here.value.trim()); });

    // --- network state and queue -----------------------------------------------------------
    function setOnline(state) {
      online = state;
      var net = $("qj-st-net");
      net.classList.toggle("is-offline", !state);
      $("qj-st-net-text").textContent = state ? "在线" : "离线：扫码记录暂存在本机，联网后自动提交";
    }

    function renderQueue() {
      var n = queue.length;
      $("qj-st-queue-n").textContent = String(n);
      $("qj-st-queue").hidden = n === 0;
      $("qj-st-flush").hidden = n === 0 || !online;
      if (n && !timer) { timer = window.setInterval(flush, RETRY_MS); }
      if (!n && timer) { window.clearInterval(timer); timer = null; }
    }

    function persist() {
      if (!save(KEY + "queue", queue)) {
        // storage full: keep the scans, drop the photos that do not fit
        queue.forEach(function (q) { delete q.photo; });
        save(KEY + "queue", queue);
        toast("warning", "手机存储空间不足，暂存的照片未能保存；扫码记录已保存。");
      }
      save(KEY + "results", results.slice(0, MAX_RESULTS));
      save(KEY + "photos", photos);
      renderQueue();
    }

    // --- results list --------------------------------------------------------------------------
    var ICONS = { pending: "bi-cloud-arrow-up text-secondary", accepted: "bi-check-circle-fill text-success",
                  rejected: "bi-x-circle-fill text-danger", error: "bi-exclamation-triangle-fill text-warning" };
    var STATE_TEXT = { pending: "待提交", accepted: "已记录", rejected: "已拒绝", error: "未记录" };

    function renderResults() {
      var list = $("qj-st-results");
      list.textContent = "";
      if (!results.length) {
        var empty = document.createElement("li");
        empty.className = "list-group-item text-secondary small qj-st-empty";
        empty.textContent = "还没有扫码记录。";
        list.appendChild(empty);
        return;
      }
      results.slice(0, MAX_RESULTS).forEach(function (r) {
        var li = document.createElement("li");
        li.className = "list-group-item qj-st-result is-" + r.state;
        li.setAttribute("data-client-id", r.client_id);
        li.setAttribute("data-state", r.state);
        var icon = document.createElement("i");
        icon.className = "bi " + (ICONS[r.state] || ICONS.pending) + " qj-st-result-icon";
        icon.setAttribute("aria-hidden", "true");
        var body = document.createElement("div");
        body.className = "flex-fill min-w-0";
        var title = document.createElement("div");
        title.className = "qj-st-result-title text-truncate";
        title.textContent = r.label || r.code;
        var msg = document.createElement("div");
        msg.className = "small qj-st-result-msg";
        msg.textContent = r.message || "";
        body.appendChild(title);
        body.appendChild(msg);
        var side = document.createElement("div");
        side.className = "text-end small text-secondary text-nowrap";
        side.textContent = STATE_TEXT[r.state] + " " + hhmm(r.time);
        li.appendChild(icon);
        li.appendChild(body);
        li.appendChild(side);
        list.appendChild(li);
      });
    }

    function upsertResult(entry) {
      for (var i = 0; i < results.length; i++) {
        if (results[i].client_id === entry.client_id) {
          for (var k in entry) { if (Object.prototype.hasOwnProperty.call(entry, k)) { results[i][k] = entry[k]; } }
          return;
        }
      }
      results.unshift(entry);
      if (results.length > MAX_RESULTS) { results.length = MAX_RESULTS; }
    }

    function toast(kind, text) {
      var box = $("qj-st-cam-msg");
      box.className = "small mt-2 text-" + (kind === "danger" ? "danger" : kind === "warning" ? "warning" : kind === "success" ? "success" : "secondary");
      box.textContent = text;
    }

    // --- progress ------------------------------------------------------------------------------
    function refreshProgress() {
      if (!online) { return; }
      fetch(urls.progress, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          $("qj-st-found").textContent = String(data.found);
          $("qj-st-expected").textContent = String(data.expected);
          $("qj-st-pct").textContent = data.percent + "%";
          var bar = $("qj-st-bar");
          bar.style.width = data.percent + "%";
          bar.setAttribute("aria-valuenow", String(data.percent));
          (data.units || []).forEach(function (u) {
            var li = document.querySelector('#qj-st-units [data-unit="' + u.unit + '"]');
            if (li) {
              li.querySelector("[data-found]").textContent = String(u.found);
              li.querySelector("[data-expected]").textContent = String(u.expected);
            }
          });
        })
        .catch(function () { /* progress is a nicety; the queue retries on its own */ });
    }

    // --- sending ------------------------------------------------------------------------------
    function outgoing(q) {
      var out = {};
      ["client_id", "code", "location", "status", "note", "name", "unit", "scanned_at"].forEach(function (k) {
        if (q[k] !== undefined && q[k] !== "" && q[k] !== null) { out[k] = q[k]; }
      });
      return out;
    }

    function flush() {
      if (sending) { return; }
      if (!queue.length) { flushPhotos(); return; }
      if (navigator.onLine === false) { setOnline(false); renderQueue(); return; }
      sending = true;
      var batch = queue.slice(0, BATCH);
      fetch(urls.scans, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ scans: batch.map(outgoing) })
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status === 401 || response.status === 403 || type.indexOf("json") === -1) {
          throw new Error(response.status >= 500 ? "server" : "login");
        }
        if (!response.ok) { throw new Error(response.status >= 500 ? "server" : "refused"); }
        return response.json();
      }).then(function (data) {
        setOnline(true);
        var byId = {};
        batch.forEach(function (q) { byId[q.client_id] = q; });
        (data.results || []).forEach(function (res) {
          var q = byId[res.client_id];
          if (!q) { return; }
          var item = res.item;
          var state = res.outcome === "accepted" ? "accepted" : res.outcome === "rejected" ? "rejected" : "error";
          var label = item ? (item.asset_code + " " + item.asset_name) : pretty(q.code);
          var message = res.message || "";
          if (state === "accepted" && item) { message = message.replace("：" + label, ""); }
          upsertResult({ client_id: res.client_id, code: q.code, state: state, message: message,
                         label: label, time: q.scanned_at });
          if (q.photo && item && state === "accepted") {
            photos.push({ client_id: q.client_id, item: item.id, data: q.photo });
          }
          queue = queue.filter(function (x) { return x.client_id !== res.client_id; });
        });
        sending = false;
        persist();
        renderResults();
        refreshProgress();
        if (queue.length) { window.setTimeout(flush, 50); } else {
          if (batch.length > 1 || batch[0].queued_offline) { toast("success", "暂存的扫码记录已全部提交。"); }
          flushPhotos();
        }
      }).catch(function (err) {
        sending = false;
        var what = err && err.message;
        if (what === "login") {
          toast("danger", "登录已过期或没有盘点权限，请重新登录；暂存的扫码记录不会丢失。");
        } else if (what === "server" || what === "refused") {
          toast("warning", "服务器暂时无法处理，稍后自动重试；暂存的扫码记录不会丢失。");
        } else {
          setOnline(false);
        }
        renderQueue();
      });
    }

    function flushPhotos() {
      if (!photos.length || !online) { return; }
      var p = photos[0];
      var form = new FormData();
      form.append("item", String(p.item));
      form.append("files", dataUrlToBlob(p.data), "stocktake-" + p.client_id.slice(0, 8) + ".jpg");
      fetch(urls.photo, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: form })
        .then(function (r) {
          if (r.status >= 500) { throw new Error("server"); }
          photos.shift();
          persist();
          if (!r.ok) { toast("warning", "有一张照片未能上传（文件无效），扫码记录不受影响。"); }
          if (photos.length) { window.setTimeout(flushPhotos, 50); }
        })
        .catch(function () { /* retried with the next flush */ });
    }

    // --- the confirm panel ---------------------------------------------------------------------
    var confirmCard = $("qj-st-confirm");

    function setStatus(value) {
      var radio = document.querySelector('input[name="qj-st-status"][value="' + value + '"]');
      if (!radio) { radio = document.querySelector('input[name="qj-st-status"]'); }
      if (radio) { radio.checked = true; }
    }

    function showLookup(kind, title, text) {
      var box = $("qj-st-lookup");
      box.textContent = "";
      box.className = "qj-st-lookup is-" + kind;
      var t = document.createElement("div");
      t.className = "qj-st-lookup-title";
      t.textContent = title;
      box.appendChild(t);
      if (text) {
        var d = document.createElement("div");
        d.className = "small qj-st-lookup-text";
        d.textContent = text;
        box.appendChild(d);
      }
      $("qj-st-confirm-bar").className = "card-status-top " + ({ ok: "bg-success", warn: "bg-warning", bad: "bg-danger",
                                                                   info: "bg-primary" }[kind] || "bg-primary");
    }

    function openConfirm(code) {
      current = { code: code, lookup: null };
      $("qj-st-form").reset();
      showPhoto();
      $("qj-st-book").hidden = true;
      $("qj-st-name-row").hidden = true;
      if ($("qj-st-unit-row")) { $("qj-st-unit-row").hidden = true; }
      $("qj-st-loc").value = here.value.trim();
      setStatus("in_use");
      $("qj-st-submit").disabled = false;
      confirmCard.hidden = false;
      if (navigator.onLine === false || !online) {
        showLookup("info", pretty(code), "离线：暂时无法查询资产信息。确认后记录暂存在本机，联网后自动提交核对。如为账外资产请填写名称。");
        $("qj-st-name-row").hidden = false;
        $("qj-st-name").placeholder = "账外资产才需填写";
        confirmCard.scrollIntoView({ block: "start", behavior: "smooth" });
        return;
      }
      showLookup("info", pretty(code), "正在查询……");
      fetch(urls.lookup + "?code=" + encodeURIComponent(code), { credentials: "same-origin",
                                                                 headers: { "Accept": "application/json" } })
        .then(function (r) {
          var type = r.headers.get("Content-Type") || "";
          if (!r.ok || type.indexOf("json") === -1) { throw new Error(r.status === 403 || r.status === 401 ? "login" : "bad"); }
          return r.json();
        })
        .then(function (data) { if (current && current.code === code) { applyLookup(data); } })
        .catch(function (err) {
          if (err && err.message === "login") {
            showLookup("bad", pretty(code), "登录已过期或没有盘点权限，请重新登录。");
            return;
          }
          setOnline(navigator.onLine !== false);
          showLookup("info", pretty(code), "暂时无法查询资产信息。确认后记录暂存在本机，联网后自动提交核对。");
          $("qj-st-name-row").hidden = false;
        });
      confirmCard.scrollIntoView({ block: "start", behavior: "smooth" });
    }

    function applyLookup(data) {
      current.lookup = data;
      var item = data.item;
      if (data.status === "in_scope" || data.status === "counted") {
        showLookup(data.status === "counted" ? "warn" : "ok", item.asset_code + " " + item.asset_name,
                   data.status === "counted" ? data.message : "");
        if (item.result !== "surplus") {
          $("qj-st-book").hidden = false;
          $("qj-st-book-unit").textContent = item.unit_name;
          $("qj-st-book-loc").textContent = item.expected_location || "未填写";
          $("qj-st-book-status").textContent = item.expected_status_display || "—";
          if (!here.value.trim()) { $("qj-st-loc").value = item.found_location || item.expected_location || ""; }
          setStatus(item.found_status || item.expected_status || "in_use");
        }
        return;
      }
      if (data.status === "unknown") {
        showLookup("warn", pretty(current.code), data.message);
        $("qj-st-name-row").hidden = false;
        $("qj-st-name").placeholder = "请填写资产名称，如“会议桌”";
        if ($("qj-st-unit-row")) { $("qj-st-unit-row").hidden = false; }
        $("qj-st-name").focus();
        return;
      }
      // another unit's label, out of scope, not our label: recorded as a refused scan, nothing to confirm
      showLookup("bad", "不能盘点", data.message);
      record(current.code, {}, null);
      $("qj-st-submit").disabled = true;
    }

    function record(code, extra, photo) {
      var scan = { client_id: uuid(), code: code, scanned_at: new Date().toISOString() };
      for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { scan[k] = extra[k]; } }
      if (photo) { scan.photo = photo; }
      if (!online || navigator.onLine === false) { scan.queued_offline = true; }
      queue.push(scan);
      upsertResult({ client_id: scan.client_id, code: code, state: "pending", time: scan.scanned_at,
                     label: extra.label || pretty(code), message: online ? "正在提交……" : "离线暂存，联网后自动提交" });
      delete scan.label;
      persist();
      renderResults();
      flush();
    }

    $("qj-st-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!current) { return; }
      var lookup = current.lookup;
      var name = $("qj-st-name").value.trim();
      if (lookup && lookup.status === "unknown" && !name) {
        $("qj-st-name").classList.add("is-invalid");
        $("qj-st-name").focus();
        return;
      }
      $("qj-st-name").classList.remove("is-invalid");
      var checked = document.querySelector('input[name="qj-st-status"]:checked');
      var extra = { location: $("qj-st-loc").value.trim(), status: checked ? checked.value : "",
                    note: $("qj-st-note").value.trim(), name: name };
      if ($("qj-st-unit-row") && !$("qj-st-name-row").hidden && name) { extra.unit = $("qj-st-unit").value; }
      if (lookup && lookup.item) { extra.label = lookup.item.asset_code + " " + lookup.item.asset_name; }
      else if (name) { extra.label = current.code + " " + name; }
      var code = current.code;
      var file = $("qj-st-photo").files && $("qj-st-photo").files[0];
      $("qj-st-submit").disabled = true;
      shrinkPhoto(file, function (photo) {
        record(code, extra, photo);
        closeConfirm();
        toast("success", (online ? "已提交：" : "已暂存，联网后自动提交：") + (extra.label || pretty(code)));
        $("qj-st-code").value = "";
      });
    });

    function closeConfirm() {
      current = null;
      confirmCard.hidden = true;
      showPhoto();
    }

    function showPhoto() {
      var file = $("qj-st-photo").files && $("qj-st-photo").files[0];
      $("qj-st-photo-name").textContent = file ? ("已添加：" + file.name) : "未添加（可选）";
      $("qj-st-photo-clear").hidden = !file;
    }
    $("qj-st-photo").addEventListener("change", showPhoto);
    $("qj-st-photo-clear").addEventListener("click", function () { $("qj-st-photo").value = ""; showPhoto(); });
    $("qj-st-cancel").addEventListener("click", closeConfirm);

    $("qj-st-code-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var code = $("qj-st-code").value.trim();
      if (!code) { $("qj-st-code").focus(); return; }
      openConfirm(code);
    });

    $("qj-st-flush").addEventListener("click", function () { setOnline(true); flush(); });

    // --- camera --------------------------------------------------------------------------------
    var video = $("qj-st-video"), canvas = $("qj-st-canvas"), stage = $("qj-st-stage");
    var stream = null, frameTimer = null;

    function stopCamera() {
      if (frameTimer) { window.clearTimeout(frameTimer); frameTimer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      video.srcObject = null;
      stage.hidden = true;
      stage.classList.remove("is-live");
      $("qj-st-camera").hidden = false;
      $("qj-st-camera-stop").hidden = true;
    }

    function tick() {
      frameTimer = null;
      if (!stream) { return; }
      if (video.readyState >= 2) {
        var text = null;
        try { text = decode(video, video.videoWidth, video.videoHeight, canvas, false); } catch (e) { text = null; }
        if (text) {
          stopCamera();
          if (navigator.vibrate) { navigator.vibrate(60); }
          openConfirm(text);
          return;
        }
      }
      frameTimer = window.setTimeout(tick, FRAME_INTERVAL);
    }

    function cameraError(err) {
      var name = err && err.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        toast("warning", "没有获得摄像头权限。请在浏览器设置中允许使用摄像头，或点相机按钮拍照识别、手工输入编号。");
      } else if (name === "NotFoundError" || name === "OverconstrainedError") {
        toast("warning", "这台设备没有可用的摄像头，请手工输入资产编号。");
      } else {
        toast("warning", "无法打开摄像头，请点相机按钮拍照识别或手工输入编号。");
      }
      stopCamera();
    }

    $("qj-st-camera").addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        toast("warning", window.isSecureContext === false
          ? "当前网址不是 HTTPS，浏览器不允许网页使用摄像头。请点相机按钮拍照识别或手工输入编号。"
          : "此浏览器不支持网页摄像头，请点相机按钮拍照识别或手工输入编号。");
        return;
      }
      toast("secondary", "正在打开摄像头……");
      stage.hidden = false;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          return video.play();
        })
        .then(function () {
          stage.classList.add("is-live");
          $("qj-st-camera").hidden = true;
          $("qj-st-camera-stop").hidden = false;
          toast("secondary", "将二维码放入框内，识别后自动进入确认。");
          tick();
        })
        .catch(cameraError);
    });
    $("qj-st-camera-stop").addEventListener("click", function () { stopCamera(); toast("secondary", ""); });

    $("qj-st-snap").addEventListener("change", function () {
      var file = this.files && this.files[0];
      if (!file) { return; }
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var text = null;
        try { text = decode(img, img.naturalWidth, img.naturalHeight, canvas, true); } catch (e) { text = null; }
        URL.revokeObjectURL(url);
        if (text) { openConfirm(text); } else { toast("warning", "照片中没有识别到二维码，请靠近标签重拍，或手工输入编号。"); }
      };
      img.onerror = function () { URL.revokeObjectURL(url); toast("warning", "无法读取这张照片。"); };
      img.src = url;
      this.value = "";
    });

    window.addEventListener("online", function () { setOnline(true); flush(); refreshProgress(); });
    window.addEventListener("offline", function () { setOnline(false); renderQueue(); });
    window.addEventListener("pagehide", stopCamera);

    setOnline(navigator.onLine !== false);
    renderQueue();
    renderResults();
    flush();
    window.QJStocktake = { flush: flush, queue: function () { return queue.slice(); } };
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

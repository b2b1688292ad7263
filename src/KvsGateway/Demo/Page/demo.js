// The demo page: opens a session for the demo tenant, plays it with dash.js (served by the
// gateway) or, where the browser plays HLS itself, over HLS, and shows the wall-clock time of the
// frame on screen (kvs:ts or EXT-X-PROGRAM-DATE-TIME), its KVS fragment number, the session's expiry
// and what the gateway has metered for it so far. A timeline of the stream's last hour (ListFragments)
// plays ON_DEMAND from the point clicked.
"use strict";

const kvsNamespace = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";
const $ = (id) => document.getElementById(id);
const video = $("video");
let player = null;
let session = null;
let segments = [];
let timers = [];

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function localInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 19);
}

async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || `${response.status} ${response.statusText}`);
  return body;
}

async function loadStreams() {
  const streams = await json(await fetch("/demo/api/streams"));
  const select = $("stream");
  select.replaceChildren(...streams.map((name) => new Option(name, name)));
  if (streams.includes("demo-stream")) select.value = "demo-stream";
}

function parseDuration(text) {
  const match = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(text || "");
  return match ? (+(match[1] || 0)) * 3600 + (+(match[2] || 0)) * 60 + (+(match[3] || 0)) : 0;
}

const hourMs = 3600 * 1000;
let timeline = { from: 0, to: 0 };

const nativeHls = () => video.canPlayType("application/vnd.apple.mpegurl") !== "";

function protocol() {
  const chosen = $("protocol").value;
  return chosen === "auto" ? (nativeHls() ? "HLS" : "DASH") : chosen;
}

// The stream's fragments of the last hour as runs on the timeline (neighbours less than 1 s apart join).
async function loadTimeline() {
  const stream = $("stream").value;
  if (!stream) return;
  const response = await fetch(`/demo/api/fragments?streamName=${encodeURIComponent(stream)}`);
  if (!response.ok) return;
  const fragments = await response.json();
  const to = Date.now();
  timeline = { from: to - hourMs, to };
  const runs = [];
  for (const f of fragments) {
    const start = Date.parse(f.serverTimestamp);
    const end = start + f.durationMs;
    const last = runs[runs.length - 1];
    if (last && start - last.end < 1000) last.end = Math.max(last.end, end);
    else runs.push({ start, end });
  }
  const bar = $("timeline");
  bar.querySelectorAll(".run").forEach((r) => r.remove());
  for (const run of runs) {
    const span = document.createElement("div");
    span.className = "run";
    span.style.left = `${Math.max(0, (run.start - timeline.from) / hourMs) * 100}%`;
    span.style.width = `${Math.max(0.1, ((run.end - run.start) / hourMs) * 100)}%`;
    span.dataset.start = new Date(run.start).toISOString();
    bar.insertBefore(span, $("cursor"));
  }
  bar.dataset.fragments = String(fragments.length);
  bar.dataset.from = String(timeline.from);
  $("timeline-from").textContent = new Date(timeline.from).toISOString().slice(11, 19);
  $("timeline-to").textContent = new Date(timeline.to).toISOString().slice(11, 19);
}

// A click on the timeline: ON_DEMAND from that instant to now.
function scrub(event) {
  const bar = $("timeline").getBoundingClientRect();
  const at = new Date(timeline.from + ((event.clientX - bar.left) / bar.width) * hourMs);
  $("mode").value = "ON_DEMAND";
  toggleRange();
  $("start").value = localInput(at);
  $("end").value = localInput(new Date(Date.now() - 1000));
  play();
}

// The media playlist's segments (video first): positions from EXTINF, wall clock from
// EXT-X-PROGRAM-DATE-TIME, fragment numbers from the segment URIs.
async function loadHlsSegments() {
  const master = await (await fetch(session.url)).text();
  const uri = master.split("\n").find((l) => l.startsWith("getHLSMediaPlaylist"));
  if (!uri) return;
  const response = await fetch(new URL(uri, session.url));
  if (!response.ok) return;
  const list = [];
  let start = 0;
  let wallClock = 0;
  let duration = 0;
  for (const line of (await response.text()).split("\n")) {
    if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) wallClock = Date.parse(line.slice(25));
    else if (line.startsWith("#EXTINF:")) duration = parseFloat(line.slice(8));
    else if (line && !line.startsWith("#")) {
      list.push({ start, duration, wallClock, number: new URL(line, session.url).searchParams.get("FragmentNumber") });
      start += duration;
    }
  }
  segments = list;
}

// The video track's segments with their presentation times, wall-clock start and fragment number.
async function loadSegments() {
  if (!session) return;
  if (session.protocol === "HLS") {
    await loadHlsSegments();
    return;
  }

  const response = await fetch(session.url);
  if (!response.ok) return;
  const mpd = new DOMParser().parseFromString(await response.text(), "application/xml");
  const list = [];
  for (const period of mpd.getElementsByTagNameNS("*", "Period")) {
    const periodStart = parseDuration(period.getAttribute("start"));
    for (const set of period.getElementsByTagNameNS("*", "AdaptationSet")) {
      if (set.getAttribute("contentType") !== "video") continue;
      const template = set.getElementsByTagNameNS("*", "SegmentTemplate")[0];
      const timescale = +template.getAttribute("timescale");
      const offset = +(template.getAttribute("presentationTimeOffset") || 0);
      for (const s of template.getElementsByTagNameNS("*", "S")) {
        list.push({
          start: periodStart + (+s.getAttribute("t") - offset) / timescale,
          duration: +s.getAttribute("d") / timescale,
          wallClock: +s.getAttributeNS(kvsNamespace, "ts"),
          number: s.getAttributeNS(kvsNamespace, "fn"),
        });
      }
    }
  }
  segments = list;
}

function showFrame() {
  const t = video.currentTime;
  const segment = segments.find((s) => t >= s.start && t < s.start + s.duration)
    ?? segments.reduce((best, s) => (!best || Math.abs(s.start - t) < Math.abs(best.start - t) ? s : best), null);
  if (!segment) return;
  const wallClock = segment.wallClock + Math.max(0, t - segment.start) * 1000;
  $("frame-time").textContent = wallClock ? new Date(wallClock).toISOString() : "–";
  $("fragment-number").textContent = segment.number || "–";
  const cursor = $("cursor");
  cursor.hidden = !wallClock || wallClock < timeline.from;
  if (!cursor.hidden) cursor.style.left = `${Math.min(100, ((wallClock - timeline.from) / hourMs) * 100)}%`;
}

async function showUsage() {
  if (!session) return;
  const token = new URL(session.url).searchParams.get("SessionToken");
  const response = await fetch(`/demo/api/usage?SessionToken=${encodeURIComponent(token)}`);
  if (!response.ok) return;
  const usage = await response.json();
  $("metered").textContent = `${usage.outgoingBytes.toLocaleString("en")} bytes in ${usage.requests} requests`;
}

async function play(event) {
  event?.preventDefault();
  showError("");
  // Nothing shown belongs to the session being replaced.
  $("state").textContent = "loading";
  $("info").dataset.mode = "";
  ["frame-time", "fragment-number", "expires", "metered", "protocol-used"].forEach((id) => { $(id).textContent = "–"; });
  timers.forEach(clearInterval);
  timers = [];
  player?.reset();
  player = null;
  video.removeAttribute("src");
  const mode = $("mode").value;
  const body = { streamName: $("stream").value, playbackMode: mode, protocol: protocol() };
  if (mode !== "LIVE") {
    body.startTimestamp = new Date($("start").value).toISOString();
    if ($("end").value) body.endTimestamp = new Date($("end").value).toISOString();
  }
  try {
    session = await json(await fetch("/demo/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
  } catch (error) {
    showError(error.message);
    return;
  }
  $("expires").textContent = new Date(session.expiresAt).toISOString();
  $("protocol-used").textContent = session.protocol;
  $("info").dataset.mode = mode;
  if (session.protocol === "HLS") {
    // The browser's own HLS player: the master playlist is all it needs.
    video.onplaying = () => { $("state").textContent = "playing"; };
    video.onended = () => { $("state").textContent = "ended"; };
    video.onerror = () => showError(`Player error: ${video.error?.message ?? video.error?.code}`);
    video.src = session.url;
    video.play().catch((error) => showError(error.message));
  } else {
    startDash();
  }

  await loadSegments();
  timers.push(setInterval(showFrame, 250));
  timers.push(setInterval(showUsage, 2000));
  if (mode !== "ON_DEMAND") timers.push(setInterval(loadSegments, 4000));
}

function startDash() {
  video.onplaying = video.onended = video.onerror = null;
  player = dashjs.MediaPlayer().create();
  player.updateSettings({
    streaming: {
      utcSynchronization: { defaultTimingSource: { scheme: "urn:mpeg:dash:utc:http-iso:2014", value: `${location.origin}/time` } },
    },
  });
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => showError(`Player error: ${e.error?.message ?? e.error?.code ?? "unknown"}`));
  player.on(dashjs.MediaPlayer.events.PLAYBACK_PLAYING, () => { $("state").textContent = "playing"; });
  player.on(dashjs.MediaPlayer.events.PLAYBACK_ENDED, () => { $("state").textContent = "ended"; });
  player.initialize(video, session.url, true);
}

function toggleRange() {
  const replay = $("mode").value !== "LIVE";
  document.querySelectorAll(".range").forEach((label) => { label.hidden = !replay; });
}

$("session").addEventListener("submit", play);
$("mode").addEventListener("change", toggleRange);
$("stream").addEventListener("change", loadTimeline);
$("timeline").addEventListener("click", scrub);
if (!nativeHls()) $("protocol").querySelector('option[value="HLS"]').disabled = true;
setInterval(loadTimeline, 10_000);
$("start").value = localInput(new Date(Date.now() - 10 * 60000));
$("end").value = localInput(new Date());
toggleRange();
loadStreams().then(() => Promise.all([play(), loadTimeline()])).catch((error) => showError(error.message));

// The demo page: opens a session for the demo tenant, plays it with dash.js (served by the
// gateway), and shows the wall-clock time of the frame on screen (kvs:ts), its KVS fragment number
// (kvs:fn), the session's expiry and what the gateway has metered for it so far.
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

// The video track's segments with their presentation times, wall-clock start and fragment number.
async function loadSegments() {
  if (!session) return;
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
  timers.forEach(clearInterval);
  timers = [];
  player?.reset();
  const mode = $("mode").value;
  const body = { streamName: $("stream").value, playbackMode: mode };
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
  $("state").textContent = "loading";
  await loadSegments();
  timers.push(setInterval(showFrame, 250));
  timers.push(setInterval(showUsage, 2000));
  if (mode !== "ON_DEMAND") timers.push(setInterval(loadSegments, 4000));
}

function toggleRange() {
  const replay = $("mode").value !== "LIVE";
  document.querySelectorAll(".range").forEach((label) => { label.hidden = !replay; });
}

$("session").addEventListener("submit", play);
$("mode").addEventListener("change", toggleRange);
$("start").value = localInput(new Date(Date.now() - 10 * 60000));
$("end").value = localInput(new Date());
toggleRange();
loadStreams().then(() => play()).catch((error) => showError(error.message));

// Plays ?url= with ?player=dash|shaka|hls and keeps a report the test reads: errors, ended, frames.
//
// "ended" is each player's own end of playback. shaka-player lets the element end by itself (the
// native "ended" event). dash.js also watches the playhead itself: every 200 ms its StreamController
// fires PLAYBACK_ENDED once the playhead reaches the period end, and its PlaybackController then
// pauses the element there. When that tick lands after Chromium has moved currentTime to the end but
// before it runs its queued end-of-playback steps, the element is already paused, and the HTML spec
// fires "ended" only for an element that is not paused: the native event never comes, though the
// playhead sits exactly at the end (about one run in three on this machine). dash.js's own
// PLAYBACK_ENDED (documented for applications) fires in both cases, so it is dash.js's end here.
"use strict";
const params = new URLSearchParams(location.search);
const video = document.getElementById("video");
const url = params.get("url");
const clock = params.get("time");
window.report = { player: params.get("player"), errors: [], ended: false, nativeEnded: false, seeks: [], waits: [] };
window.frames = () => video.getVideoPlaybackQuality().totalVideoFrames;
window.position = () => video.currentTime;
video.addEventListener("ended", () => {
  window.report.nativeEnded = true;
  if (window.report.player !== "dash") window.report.ended = true;
});
// Seeks and waits make Chromium decode some frames again; a failure report shows where they happened.
video.addEventListener("seeking", () => {
  window.report.seeks.push(video.currentTime);
  // A player's seek to the start (shaka's, within load()) can come after Chromium has decoded the
  // first frames for display; some of those it decodes again.
  if (video.currentTime === 0) window.report.framesBeforeStart = video.getVideoPlaybackQuality().totalVideoFrames;
});
video.addEventListener("waiting", () => window.report.waits.push(video.currentTime));
video.addEventListener("error", () => window.report.errors.push(`video element: ${video.error?.message ?? video.error?.code}`));

async function start() {
  if (window.report.player === "dash") {
    const player = dashjs.MediaPlayer().create();
    player.updateSettings({ streaming: { utcSynchronization: { defaultTimingSource: { scheme: "urn:mpeg:dash:utc:http-iso:2014", value: clock } } } });
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => window.report.errors.push(`dash.js: ${e.error?.code} ${e.error?.message ?? ""}`));
    player.on(dashjs.MediaPlayer.events.PLAYBACK_ENDED, (e) => {
      if (e.isLast) {
        window.report.ended = true;
        window.report.endedAt = video.currentTime;
      }
    });
    player.initialize(video, url, true);
  } else if (window.report.player === "hls") {
    // hls.js through MSE; the element ends by itself (the native "ended" event).
    window.report.warnings = [];
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, d) => (d.fatal ? window.report.errors : window.report.warnings).push(`hls.js: ${d.type} ${d.details} ${d.response?.code ?? ""}`));
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => window.report.errors.push(`play(): ${e.message}`)));
    hls.loadSource(url);
    hls.attachMedia(video);
  } else {
    shaka.polyfill.installAll();
    const player = new shaka.Player();
    await player.attach(video);
    player.configure({ manifest: { dash: { clockSyncUri: clock } }, streaming: { retryParameters: { maxAttempts: 2 } } });
    player.addEventListener("error", (e) => window.report.errors.push(`shaka: ${e.detail?.code} ${e.detail?.message ?? ""}`));
    await player.load(url);
    await video.play().catch((e) => window.report.errors.push(`play(): ${e.message}`));
  }
}

start().catch((e) => window.report.errors.push(`start: ${e?.code ?? ""} ${e?.message ?? e}`));

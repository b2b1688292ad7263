// Plays ?url= with ?player=dash|shaka and keeps a report the test reads: errors, ended, frames.
"use strict";
const params = new URLSearchParams(location.search);
const video = document.getElementById("video");
const url = params.get("url");
const clock = params.get("time");
window.report = { player: params.get("player"), errors: [], ended: false, seeks: [], waits: [] };
window.frames = () => video.getVideoPlaybackQuality().totalVideoFrames;
window.position = () => video.currentTime;
video.addEventListener("ended", () => { window.report.ended = true; });
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
    player.initialize(video, url, true);
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

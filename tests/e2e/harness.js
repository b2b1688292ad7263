// Plays ?url= with ?player=dash|shaka and keeps a report the test reads: errors, ended, frames.
"use strict";
const params = new URLSearchParams(location.search);
const video = document.getElementById("video");
const url = params.get("url");
const clock = params.get("time");
window.report = { player: params.get("player"), errors: [], ended: false, seeks: [], waits: [] };
// Frames decoded from the start: a player's seek to the start (shaka's, within load()) can come after
// Chromium has decoded the first few frames for display, which it then decodes again.
let framesBeforeStart = 0;
window.frames = () => video.getVideoPlaybackQuality().totalVideoFrames - framesBeforeStart;
window.position = () => video.currentTime;
video.addEventListener("ended", () => { window.report.ended = true; });
// Seeks and waits make Chromium decode some frames again; a failure report shows where they happened.
video.addEventListener("seeking", () => {
  window.report.seeks.push(video.currentTime);
  if (video.currentTime === 0) window.report.framesBeforeStart = framesBeforeStart = video.getVideoPlaybackQuality().totalVideoFrames;
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

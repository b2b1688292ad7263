#!/usr/bin/env python3
"""Writes the static KVS origin nginx serves in bench/load: for each fragment size, the control-plane
answers the gateway asks for (JSON), a 1000-fragment LIVE MPD carrying kvs:fn and kvs:ts, an init
fragment and one media fragment of exactly that size (served for every SequenceNumber)."""
import os, sys

root = sys.argv[1]
ports = {"100k": int(sys.argv[2]), "1m": int(sys.argv[3])}
sizes = {"100k": 100 * 1024, "1m": 1024 * 1024}

def mpd(count=1000):
    segments = []
    t, fn, ts = 0, 91343852333181432392682062607743920000000000000, 1764460800000
    for _ in range(count):
        segments.append(f'<S t="{t}" d="180000" kvs:fn="{fn}" kvs:ts="{ts}"/>')
        t += 180000; fn += 1; ts += 2000
    timeline = "".join(segments)
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:kvs="https://kinesisvideo.amazonaws.com/doc/2017-09-30/" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="dynamic" availabilityStartTime="2025-12-01T00:00:00Z" minimumUpdatePeriod="PT1S" minBufferTime="PT2S">
<Period id="0" start="PT0S">
<AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
<Representation id="1" codecs="avc1.42C01E" bandwidth="400000" width="320" height="240">
<SegmentTemplate timescale="90000" initialization="getMP4InitFragment.mp4?SessionToken=ORIGIN&amp;TrackNumber=1" media="getMP4MediaFragment.mp4?SessionToken=ORIGIN&amp;TrackNumber=1&amp;SequenceNumber=$Number$" startNumber="1">
<SegmentTimeline>{timeline}</SegmentTimeline>
</SegmentTemplate>
</Representation>
</AdaptationSet>
</Period>
</MPD>
'''

for name, port in ports.items():
    base = os.path.join(root, name)
    os.makedirs(os.path.join(base, "dash", "v1"), exist_ok=True)
    endpoint = f"http://127.0.0.1:{port}"
    with open(os.path.join(base, "getDataEndpoint.json"), "w") as f:
        f.write(f'{{"DataEndpoint":"{endpoint}"}}')
    with open(os.path.join(base, "getDASHStreamingSessionURL.json"), "w") as f:
        f.write(f'{{"DASHStreamingSessionURL":"{endpoint}/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN"}}')
    with open(os.path.join(base, "dash", "v1", "getDASHManifest.mpd"), "w") as f:
        f.write(mpd())
    with open(os.path.join(base, "dash", "v1", "getMP4InitFragment.mp4"), "wb") as f:
        f.write(os.urandom(1024))
    with open(os.path.join(base, "dash", "v1", "getMP4MediaFragment.mp4"), "wb") as f:
        f.write(os.urandom(sizes[name]))

"""What one Janus costs per published stream, measured: ROOMS rooms of 4 headless Chromiums with a
fake camera and microphone (publishing at the service's default bitrate), through the project's
nginx and two nodes with media on, for SECONDS seconds once everyone receives everyone. Janus's
CPU time comes from /proc (its own process only; the browsers are separate processes), the bytes
from each browser's WebRTC statistics.

Prints, per run: Janus CPU seconds per second per published stream and per forwarded stream,
bytes per second in and out of Janus, and the arithmetic of how many 4-person rooms one Janus
core holds. Run with DATABASE_URL (and BREAKOUTD_BIN) set, on a quiet machine:
`python3 Tests/browser/media_bench.py [ROOMS] [SECONDS]` (defaults 1 and 20). The browsers'
own CPU is far above Janus's, so on a small machine the rooms measured are few; the figures per
stream are what carries over.
"""

import os
import sys
import time

from selenium.webdriver.common.by import By

from support import Browser, api
from media_flow import MediaCluster, media_stats

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def janus_cpu_seconds(cluster):
    with open(os.path.join(cluster.janus.dir, "janus.pid")) as f:
        pid = f.read().strip()
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def main():
    rooms = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    cluster = MediaCluster()
    browsers = []
    try:
        cluster.start()
        base = cluster.balancer.base
        s, created = api(base, "POST", "/v1/meetings", body={"title": "Media benchmark", "hostName": "Host"})
        meeting, code, host = created["meeting"]["id"], created["meeting"]["code"], created["hostToken"]
        for n in range(rooms * 4):
            browser = Browser(f"p{n}", width=640, height=480, media=True)
            browsers.append(browser)
            browser.driver.get(f"{base}/?code={code}")
            form = browser.visible("join-form")
            form.find_element(By.NAME, "displayName").send_keys(f"Person {n + 1}")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            browser.wait_text("my-location", "main session")
        s, made = api(base, "POST", f"/v1/meetings/{meeting}/breakout", host, {"roomCount": rooms, "mode": "automatic"})
        assert s == 201, made
        s, _ = api(base, "POST", f"/v1/meetings/{meeting}/breakout/open", host, {})
        assert s == 200
        for browser in browsers:
            browser.wait(lambda: len(media_stats(browser)["feeds"]) == 3 and
                         all(f["video"] > 0 for f in media_stats(browser)["feeds"].values()),
                         "everyone receiving their three roommates", 60)
        time.sleep(3)  # past the first seconds, when the browsers ramp their bitrate up

        def totals():
            received = sent = 0
            for browser in browsers:
                stats = media_stats(browser)
                received += sum(f["audio"] + f["video"] for f in stats["feeds"].values())
                sent += stats["sent"]["audio"] + stats["sent"]["video"]
            return received, sent

        cpu0, (in0, out0), t0 = janus_cpu_seconds(cluster), totals(), time.time()
        time.sleep(seconds)
        cpu1, (in1, out1), t1 = janus_cpu_seconds(cluster), totals(), time.time()
        elapsed = t1 - t0
        published = len(browsers)        # each publishes one audio and one video stream
        forwarded = len(browsers) * 3    # each receives its three roommates
        cpu = (cpu1 - cpu0) / elapsed
        into_janus = (out1 - out0) / elapsed
        out_of_janus = (in1 - in0) / elapsed
        per_published = cpu / published
        per_forwarded = cpu / forwarded
        room_cost = cpu / rooms
        print(f"media benchmark: {rooms} room(s) of 4, {elapsed:.1f} s measured")
        print(f"  Janus CPU: {cpu * 100:.1f} % of a core = {per_published * 1000:.2f} ms/s per published person "
              f"(audio+video), {per_forwarded * 1000:.2f} ms/s per forwarded person")
        print(f"  into Janus: {into_janus * 8 / 1e6:.2f} Mbit/s ({into_janus * 8 / published / 1e3:.0f} kbit/s per published person)")
        print(f"  out of Janus: {out_of_janus * 8 / 1e6:.2f} Mbit/s ({out_of_janus * 8 / forwarded / 1e3:.0f} kbit/s per forwarded person)")
        if room_cost > 0:
            print(f"  one Janus core: about {int(1 / room_cost)} rooms of 4 by CPU; "
                  f"a 1 Gbit/s link: about {int(1e9 / 8 / (out_of_janus / rooms))} rooms of 4 by outgoing bandwidth")
        return 0
    finally:
        for browser in browsers:
            browser.quit()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

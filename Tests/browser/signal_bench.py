"""Figures of the media door (docs/scaling.md, "Media signalling"), with a real Janus, two nodes
with media on behind the project's nginx, and WebRTC clients written with aiortc (PyPI), one
process playing PEOPLE participants (audio only, Opus silence at 50 packets a second):

1. PEOPLE people, already in breakout rooms of four, open their media at the same moment through
   the balancer: the time from each one's first step (opening the signalling WebSocket) to the
   first audio frame decoded from a roommate, p50 and p99;
2. the nodes' CPU (user + system, from /proc) per signalling message over that phase, both
   directions counted (the requests and answers of the WebSocket; Janus's side of each is the
   node's work too);
3. MOVES moves by the host of one person between two rooms: the time from sending the move to
   the moment a roommate left behind is told by its node that the feed is gone (the node hears it
   from Janus, which has stopped forwarding that feed), p50 and p99.

Run with DATABASE_URL (and BREAKOUTD_BIN) set, on a quiet machine, with aiortc and websockets
installed beside Debian's selenium: `scripts/bench media-signal` does that in .data/bench-venv.
`python3 Tests/browser/signal_bench.py [PEOPLE] [MOVES]` (defaults 40 and 100).
"""

import asyncio
import json
import os
import statistics
import sys
import time

import websockets
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from media_flow import MediaCluster
from support import api

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# No STUN: aiortc asks Google's STUN server when given no configuration, and this machine has no
# way out; host candidates on loopback are what the nodes' Janus is reached by here.
NO_STUN = RTCConfiguration(iceServers=[])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Signal:
    """One participant's signalling WebSocket: calls answered by `re`, the rest in a queue."""

    counted = 0  # messages both ways, all clients

    def __init__(self, url):
        self.url = url
        self.pending = {}
        self.events = asyncio.Queue()
        self.next_id = 0

    async def open(self):
        self.ws = await websockets.connect(self.url, max_size=1 << 20)
        self.reader = asyncio.create_task(self.read())
        return self

    async def read(self):
        try:
            async for text in self.ws:
                Signal.counted += 1
                message = json.loads(text)
                future = self.pending.pop(message.get("re"), None)
                if future and not future.done():
                    future.set_result(message)
                else:
                    await self.events.put(message)
        except websockets.ConnectionClosed:
            pass

    async def call(self, **message):
        self.next_id += 1
        key = f"b{self.next_id}"
        future = asyncio.get_running_loop().create_future()
        self.pending[key] = future
        Signal.counted += 1
        await self.ws.send(json.dumps({**message, "id": key}))
        answer = await asyncio.wait_for(future, 20)
        if answer.get("type") == "error":
            raise RuntimeError(f"{message['type']}: {answer}")
        return answer

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


class Person:
    def __init__(self, cluster, meeting, pid, token):
        self.cluster, self.meeting, self.id, self.token = cluster, meeting, pid, token
        self.publisher = None
        self.subscribers = {}
        self.first_audio = None
        self.started = None

    def url(self):
        base = self.cluster.balancer.base.replace("http://", "ws://")
        return f"{base}/v1/meetings/{self.meeting}/media/signal?access_token={self.token}"

    async def join_and_publish(self):
        joined = await self.signal.call(type="join")
        if self.publisher:
            await self.publisher.close()
        pc = RTCPeerConnection(NO_STUN)
        pc.addTrack(AudioStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        published = await self.signal.call(type="publish", sdp=pc.localDescription.sdp)
        await pc.setRemoteDescription(RTCSessionDescription(published["sdp"], "answer"))
        self.publisher = pc
        return joined

    async def subscribe(self, feed):
        if feed in self.subscribers:
            return
        pc = RTCPeerConnection(NO_STUN)
        self.subscribers[feed] = pc
        first = asyncio.get_running_loop().create_future()

        @pc.on("track")
        def on_track(track):
            async def pull():
                try:
                    await track.recv()
                    if not first.done():
                        first.set_result(time.monotonic())
                except Exception:
                    pass
            asyncio.ensure_future(pull())

        offer = await self.signal.call(type="subscribe", feed=feed)
        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await self.signal.call(type="answer", feed=feed, sdp=pc.localDescription.sdp)
        heard = await asyncio.wait_for(first, 30)
        if self.first_audio is None or heard < self.first_audio:
            self.first_audio = heard

    async def open_media(self):
        """Phase 1: from nothing to the first audio frame of a roommate."""
        self.started = time.monotonic()
        self.signal = await Signal(self.url()).open()
        joined = await self.join_and_publish()
        tasks = [asyncio.ensure_future(self.subscribe(f["feed"])) for f in joined["feeds"]]
        # Roommates who publish later are announced: wait until one of them has been heard.
        while self.first_audio is None:
            try:
                message = await asyncio.wait_for(self.signal.events.get(), 0.2)
            except asyncio.TimeoutError:
                continue
            for added in message.get("added", []) if message.get("type") == "feeds" else []:
                tasks.append(asyncio.ensure_future(self.subscribe(added["feed"])))
        for task in tasks:
            task.cancel()
        return self.first_audio - self.started

    async def drop_subscribers(self):
        for pc in self.subscribers.values():
            await pc.close()
        self.subscribers = {}


async def run(people_count, moves):
    cluster = MediaCluster()
    cluster.start()
    try:
        base = cluster.balancer.base
        s, created = api(base, "POST", "/v1/meetings", body={"title": "Signal bench", "hostName": "Host"})
        meeting, code, host = created["meeting"]["id"], created["meeting"]["code"], created["hostToken"]
        people = []
        for index in range(people_count):
            s, joined = api(base, "POST", "/v1/meetings/join", body={"code": code, "displayName": f"P{index}"})
            people.append(Person(cluster, meeting, joined["participantId"], joined["token"]))
        rooms = people_count // 4
        s, made = api(base, "POST", f"/v1/meetings/{meeting}/breakout", host, {"roomCount": rooms, "mode": "automatic"})
        s, _ = api(base, "POST", f"/v1/meetings/{meeting}/breakout/open", host, {})
        await asyncio.sleep(2)  # the rooms' media made ready by the worker

        # 1. Everyone opens their media at once; the nodes' CPU over it.
        pids = [node.process.pid for node in cluster.nodes]
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        Signal.counted = 0
        waits = await asyncio.gather(*(person.open_media() for person in people))
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        messages = Signal.counted
        print(f"{people_count} people in {rooms} rooms opened their media at once through 2 nodes:")
        print(f"  join to first inbound audio: p50 {percentile(waits, 50) * 1000:.0f} ms, "
              f"p99 {percentile(waits, 99) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms")
        print(f"  nodes' CPU {cpu:.2f} s for {messages} signalling messages: {cpu / messages * 1e6:.0f} µs per message")
        for person in people:
            await person.drop_subscribers()

        # 3. One person moved back and forth; a roommate left behind in each room is told.
        s, snapshot = api(base, "GET", f"/v1/meetings/{meeting}", host)
        located = {p["id"]: p.get("location") for p in snapshot["participants"]}
        mover = people[0]
        room_a = located[mover.id]
        room_b = next(loc for loc in located.values() if loc and loc != room_a)
        watchers = {room: next(p for p in people if p is not mover and located[p.id] == room) for room in (room_a, room_b)}
        here, there = room_a, room_b
        took = []
        for _ in range(moves):
            watcher = watchers[here]
            while not watcher.signal.events.empty():
                watcher.signal.events.get_nowait()
            started = time.monotonic()
            s, _ = api(base, "PUT", f"/v1/meetings/{meeting}/breakout/assignments/{mover.id}", host, {"roomId": there})
            assert s == 200, s
            while True:
                message = await asyncio.wait_for(watcher.signal.events.get(), 10)
                if message.get("type") == "feeds" and mover.id.lower() in message.get("removed", []):
                    took.append(time.monotonic() - started)
                    break
            # The mover's page is told `left` and joins its new room (so that it publishes there).
            while True:
                message = await asyncio.wait_for(mover.signal.events.get(), 10)
                if message.get("type") == "left":
                    break
            for _attempt in range(20):
                try:
                    await mover.join_and_publish()
                    break
                except RuntimeError:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # the new room's roommates hear of the publisher
            here, there = there, here
        print(f"{moves} moves: the old room's roommate told the feed is gone p50 {percentile(took, 50) * 1000:.0f} ms, "
              f"p99 {percentile(took, 99) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms")
        for person in people:
            if person.publisher:
                await person.publisher.close()
            await person.signal.close()
    finally:
        cluster.stop()


def main():
    people_count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    moves = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    asyncio.run(run(people_count, moves))


if __name__ == "__main__":
    main()

"""A Python `websockets` client for the text-mode interop test: sends two text messages and a
binary one to our text-mode server, which echoes each line it reads; every answer must come
back as a text message (a `str`), one per line. Prints "ok"."""
import asyncio
import sys

from websockets.asyncio.client import connect


async def main(port):
    async with connect(f"ws://127.0.0.1:{port}/") as ws:
        for sent in ["one", "twö", b"three"]:
            await ws.send(sent)
            answer = await ws.recv()
            assert isinstance(answer, str), f"{answer!r} came in a binary frame"
            expected = sent if isinstance(sent, str) else sent.decode()
            assert answer == expected, (answer, expected)
    assert ws.close_code == 1000, ws.close_code
    print("ok", flush=True)


asyncio.run(main(sys.argv[1]))

"""A Python `websockets` server for the text-mode interop test.

Prints its port on the first line. To each connection it first sends a text message and a
binary one, then answers every message with a text message naming the frame type it came
in: "text:PAYLOAD" or "binary:PAYLOAD". Exits when stdin closes.
"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def typed(ws):
    await ws.send("hello from python")
    await ws.send(b"binary from python")
    async for message in ws:
        if isinstance(message, str):
            await ws.send("text:" + message)
        else:
            await ws.send("binary:" + message.decode(errors="replace"))


async def main():
    async with serve(typed, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())

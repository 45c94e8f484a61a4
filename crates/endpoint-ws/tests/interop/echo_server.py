"""A Python `websockets` echo server for the interop tests.

Prints its port on the first line, echoes every message back as it came (binary or text),
checks the path, and exits when stdin closes.
"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    if ws.request.path != "/echo?from=rust":
        await ws.close(code=1008, reason="wrong path " + ws.request.path)
        return
    async for message in ws:
        await ws.send(message)


async def main():
    async with serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())

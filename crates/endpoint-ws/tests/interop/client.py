"""A Python `websockets` client for the interop tests: connects to our server, sends binary
and text messages, expects the bytes echoed back, and closes cleanly. Prints "ok"."""
import asyncio
import sys

from websockets.asyncio.client import connect


async def main(port):
    uri = f"ws://127.0.0.1:{port}/py?x=1"
    async with connect(uri, subprotocols=["echo.v1"]) as ws:
        assert ws.subprotocol == "echo.v1", ws.subprotocol
        await ws.send(b"binary from python,")
        await ws.send("text from python")
        expected = b"binary from python,text from python"
        got = b""
        while len(got) < len(expected):
            message = await ws.recv()
            got += message if isinstance(message, bytes) else message.encode()
        assert got == expected, got
        await ws.ping()
    # Leaving the block closed the connection with a clean close handshake.
    assert ws.close_code == 1000, ws.close_code
    print("ok", flush=True)


asyncio.run(main(sys.argv[1]))

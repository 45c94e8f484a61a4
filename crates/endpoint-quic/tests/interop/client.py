"""An aioquic client for endpoint-quic's interop tests.

Usage: client.py PORT CA ALPN STREAMS. Connects to 127.0.0.1:PORT verifying "localhost"
against CA, opens STREAMS bidirectional streams at once on the one connection, sends each a
distinct message and ends it, checks that the echo comes back whole, and prints
"ok STREAMS" (anything else is a failure).
"""
import asyncio
import sys

from aioquic.asyncio import connect
from aioquic.quic.configuration import QuicConfiguration


async def one(client, i):
    reader, writer = await client.create_stream()
    message = (f"stream {i} from python " * 200).encode()
    writer.write(message)
    writer.write_eof()
    echoed = await reader.read()
    if echoed != message:
        raise SystemExit(f"stream {i}: {len(echoed)} bytes back, expected {len(message)}")


async def main():
    port, ca, alpn, streams = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    configuration = QuicConfiguration(
        is_client=True, alpn_protocols=alpn.split(","), server_name="localhost"
    )
    configuration.load_verify_locations(ca)
    async with connect("127.0.0.1", int(port), configuration=configuration) as client:
        await asyncio.gather(*(one(client, i) for i in range(streams)))
    print(f"ok {streams}", flush=True)


asyncio.run(main())

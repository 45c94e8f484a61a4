"""An aioquic echo server for endpoint-quic's interop tests.

Usage: echo_server.py CERT KEY ALPN. Listens on 127.0.0.1 (any port), prints the port on its
first line, echoes every bidirectional stream back (ending it when the client ends it), and
exits when stdin closes.
"""
import asyncio
import sys

from aioquic.asyncio import QuicConnectionProtocol, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import StreamDataReceived


class Echo(QuicConnectionProtocol):
    def quic_event_received(self, event):
        if isinstance(event, StreamDataReceived):
            self._quic.send_stream_data(event.stream_id, event.data, end_stream=event.end_stream)
            self.transmit()


async def main():
    cert, key, alpn = sys.argv[1:4]
    configuration = QuicConfiguration(is_client=False, alpn_protocols=alpn.split(","))
    configuration.load_cert_chain(cert, key)
    server = await serve("127.0.0.1", 0, configuration=configuration, create_protocol=Echo)
    port = server._transport.get_extra_info("sockname")[1]
    print(port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())

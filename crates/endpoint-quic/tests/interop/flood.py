"""Measurement, not run by the tests: floods a QUIC server with real Initials (aioquic
ClientHellos, ALPN `endpoints`) from many loopback addresses, never answering, at most WINDOW
unanswered at a time (so nothing is lost to a full socket buffer), and reports the server process's RSS before and after, and how
the server answered (by its first datagram to each attempt).

Usage: python3 flood.py SERVER_PID PORT COUNT ADDRESSES, with a server on 127.0.0.1:PORT, e.g.
    endpoint relay quic:24433:interface=127.0.0.1:certificate=cert.pem:privateKey=key.pem \
        tcp:127.0.0.1:9 & python3 flood.py $! 24433 10000 100
The sources are 127.0.1.2, 127.0.1.3, ... (Linux routes all of 127.0.0.0/8 to loopback)."""
import select, socket, sys, time
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection

pid, port, count, addresses = (int(a) for a in sys.argv[1:5])
WINDOW = 32

def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

def long_header(d):
    if len(d) < 7 or not d[0] & 0x80:
        return None
    dl = d[5]
    dcid = d[6:6 + dl]
    sl = d[6 + dl]
    return (d[0] >> 4) & 3, dcid, d[7 + dl:7 + dl + sl]

config = QuicConfiguration(is_client=True, alpn_protocols=["endpoints"], server_name="localhost")
initials = []
for _ in range(count):
    conn = QuicConnection(configuration=config)
    conn.connect(("127.0.0.1", port), now=time.time())
    data, _ = conn.datagrams_to_send(now=time.time())[0]
    initials.append((data, long_header(data)[2]))
sockets = []
for i in range(addresses):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((f"127.0.{1 + i // 250}.{2 + i % 250}", 0))
    sockets.append(s)
before = rss()
start = time.time()
waiting, answers, sent = set(), {"handshake": 0, "retry": 0, "refused": 0}, 0
deadline = time.time() + 600
while (sent < count or waiting) and time.time() < deadline:
    while sent < count and len(waiting) < WINDOW:
        data, scid = initials[sent]
        sockets[sent % addresses].sendto(data, ("127.0.0.1", port))
        waiting.add(bytes(scid))
        sent += 1
    ready, _, _ = select.select(sockets, [], [], 5)
    if not ready:
        print(f"no answer for 5 s; {len(waiting)} unanswered, giving up on them")
        waiting.clear()
    for s in ready:
        d = s.recv(65536)
        h = long_header(d)
        if h and bytes(h[1]) in waiting:
            waiting.discard(bytes(h[1]))
            answers["retry" if h[0] == 3 else "handshake" if len(d) >= 1200 else "refused"] += 1
took = time.time() - start
time.sleep(1)
print(f"{count} Initials from {addresses} addresses in {took:.1f} s: {answers}; server RSS {before} MB -> {rss()} MB")

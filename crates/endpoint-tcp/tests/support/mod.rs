//! Helpers shared by the TCP tests: addresses on loopback that refuse or never answer.
#![allow(dead_code, unused_imports)]

use std::net::{SocketAddr, TcpStream};

use endpoint_core::Connection;
use socket2::{Domain, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use endpoint_testkit::SAFETY;

/// A loopback address that never answers: a listener whose backlog is full, so Linux drops
/// further SYNs and a connect hangs. Keep the returned values alive while using it.
pub struct BlackHole {
    pub address: SocketAddr,
    _listener: Socket,
    _filler: TcpStream,
}

pub fn black_hole() -> BlackHole {
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    listener.listen(0).unwrap();
    let address = listener.local_addr().unwrap().as_socket().unwrap();
    let filler = TcpStream::connect(address).unwrap();
    BlackHole {
        address,
        _listener: listener,
        _filler: filler,
    }
}

/// A loopback address that refuses: a bound socket that is not listening. Keep it alive.
pub fn refusing() -> (Socket, SocketAddr) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    let address = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, address)
}

pub use endpoint_testkit::exchange;

//! Socket options given by string: a TCP server and client whose descriptions set
//! keepalive timers, buffer sizes, `TCP_USER_TIMEOUT`, the network device and TCP Fast Open,
//! and what the kernel reports for the accepted and the connected socket.
//!
//! Run: `cargo run -p endpoint-examples --bin socket_options` (Linux; `bindToDevice=lo` may
//! need `CAP_NET_RAW` on kernels older than 5.7).

use std::error::Error;

use socket2::SockRef;
use tokio::net::TcpStream;

fn report(side: &str, stream: &TcpStream) -> std::io::Result<()> {
    let socket = SockRef::from(stream);
    println!(
        "{side}: keepalive {} (idle {:?}, interval {:?}, {} probes), rcvbuf {}, sndbuf {}, \
         userTimeout {:?}, device {:?}",
        socket.keepalive()?,
        socket.keepalive_time()?,
        socket.keepalive_interval()?,
        socket.keepalive_retries()?,
        socket.recv_buffer_size()?,
        socket.send_buffer_size()?,
        socket.tcp_user_timeout()?,
        socket
            .device()?
            .map(|d| String::from_utf8_lossy(&d).into_owned()),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let server = endpoints::server_from_string(
        "tcp:0:interface=127.0.0.1:keepalive=60,10,5:rcvbuf=262144:sndbuf=262144\
         :userTimeout=30:bindToDevice=lo:fastOpen=16",
    )?;
    println!("server: {server}");
    let mut listener = server.bind().await?;
    let port = listener.local_address().port().ok_or("a TCP listener")?;

    let client = endpoints::client_from_string(&format!(
        "tcp:127.0.0.1:{port}:keepalive=30,5,3:rcvbuf=65536:userTimeout=2.5:fastOpen=1"
    ))?;
    println!("client: {client}");
    let (accepted, connected) = tokio::try_join!(listener.accept(), client.connect())?;

    // Linux reports twice the buffer size asked for (the kernel's bookkeeping included).
    let accepted = accepted
        .try_into_inner::<TcpStream>()
        .map_err(|_| "not TCP")?;
    let connected = connected
        .try_into_inner::<TcpStream>()
        .map_err(|_| "not TCP")?;
    report("accepted", &accepted)?;
    report("connected", &connected)?;
    Ok(())
}

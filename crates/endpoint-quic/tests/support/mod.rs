//! Certificates made at test time, and a QUIC server and client on loopback.
#![allow(dead_code)]

use std::sync::Arc;

use endpoint_core::{ClientEndpoint, Connection, Listener, Registry};
use endpoint_quic::QuicInfo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub use endpoint_testkit::TestPki as Pki;

pub use endpoint_testkit::SAFETY;

pub use endpoint_testkit::TestResult;

pub mod wire;

/// The server description for `pki`'s localhost certificate on 127.0.0.1, plus `extra`.
pub fn server_description(pki: &Pki, extra: &str) -> String {
    format!(
        "quic:0:interface=127.0.0.1:certificate={}:privateKey={}{extra}",
        pki.arg("server-cert.pem"),
        pki.arg("server-key.pem")
    )
}

pub async fn server(pki: &Pki, extra: &str) -> Result<Listener, endpoint_core::Error> {
    Registry::global()
        .server(&server_description(pki, extra))?
        .bind()
        .await
}

/// A client of `port` verifying `localhost` against `pki`'s CA, plus `extra`.
pub fn client(pki: &Pki, port: u16, extra: &str) -> Arc<dyn ClientEndpoint> {
    Registry::global()
        .client(&format!(
            "quic:127.0.0.1:{port}:hostname=localhost:trustRoots={}{extra}",
            pki.arg("ca.pem")
        ))
        .unwrap()
}

pub fn port_of(listener: &Listener) -> u16 {
    listener.local_address().port().unwrap()
}

pub fn quic(connection: &Connection) -> &QuicInfo {
    connection.info().get::<QuicInfo>().unwrap()
}

/// Echoes every accepted stream (until its end of file) in a task of its own, and reports
/// each stream's info.
pub fn echo_server(mut listener: Listener) -> mpsc::UnboundedReceiver<(QuicInfo, String)> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(mut stream) = listener.accept().await {
            let _ = sender.send((quic(&stream).clone(), stream.peer_address().to_string()));
            tokio::spawn(async move {
                let mut data = Vec::new();
                stream.read_to_end(&mut data).await?;
                stream.write_all(&data).await?;
                stream.shutdown().await?;
                Ok::<_, std::io::Error>(())
            });
        }
    });
    receiver
}

/// Echoes one stream until its end of file, in a task of its own.
pub fn echo(mut stream: Connection) {
    tokio::spawn(async move {
        let mut data = Vec::new();
        stream.read_to_end(&mut data).await?;
        stream.write_all(&data).await?;
        stream.shutdown().await?;
        Ok::<_, std::io::Error>(())
    });
}

/// An echo server that also says how many connections its listener counts against
/// `maxConnections=` ([`Listener::live_connections`]) while it accepts.
pub struct Counted {
    requests: mpsc::UnboundedSender<tokio::sync::oneshot::Sender<Option<usize>>>,
}

impl Counted {
    /// Echoes every stream `listener` accepts; the listener needs a `maxConnections=`.
    pub fn echo(mut listener: Listener) -> Self {
        let (requests, mut asked) =
            mpsc::unbounded_channel::<tokio::sync::oneshot::Sender<Option<usize>>>();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    // Cancel safe: a connection is never lost by dropping `accept`.
                    accepted = listener.accept() => match accepted {
                        Ok(stream) => echo(stream),
                        Err(_) => return,
                    },
                    request = asked.recv() => match request {
                        Some(reply) => {
                            let _ = reply.send(listener.live_connections());
                        }
                        None => return,
                    },
                }
            }
        });
        Counted { requests }
    }

    /// The listener's count now.
    pub async fn live(&self) -> usize {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.requests.send(reply).expect("the echo server ended");
        answer
            .await
            .expect("the echo server ended")
            .expect("the listener has no maxConnections")
    }
}

/// Sends `message` on a new stream, ends it, and returns what came back.
pub async fn round_trip(
    client: &dyn ClientEndpoint,
    message: &[u8],
) -> TestResult<(Vec<u8>, Connection)> {
    let mut stream = client.connect().await?;
    stream.write_all(message).await?;
    stream.shutdown().await?;
    let mut back = Vec::new();
    stream.read_to_end(&mut back).await?;
    Ok((back, stream))
}

/// Installs a subscriber that writes through the test harness (shown only on failure).
pub fn logs() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_test_writer()
        .try_init();
}

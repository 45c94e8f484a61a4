//! Throughput and connection-rate benchmark: endpoints built from descriptions against raw
//! tokio sockets, measured in the same run and printed as ratios.
//!
//! Run with `cargo bench -p endpoints --bench throughput` (add `-- --quick` for a short run).
//! A ratio of 1.00 means no overhead; higher is slower.

use std::future::Future;
use std::time::{Duration, Instant};

use endpoint_testkit::TestResult;
use endpoints::{client_from_string, server_from_string, Connection};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

const CHUNK: usize = 64 * 1024;

struct Sizes {
    bulk_bytes: usize,
    connections: usize,
    handshakes: usize,
    rounds: usize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> TestResult {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick {
        Sizes {
            bulk_bytes: 64 << 20,
            connections: 300,
            handshakes: 100,
            rounds: 1,
        }
    } else {
        Sizes {
            bulk_bytes: 512 << 20,
            connections: 2000,
            handshakes: 500,
            rounds: 5,
        }
    };
    let dir = tempfile::tempdir()?;
    println!(
        "{:<34} {:>14} {:>14} {:>7}",
        "measurement", "endpoints", "raw tokio", "ratio"
    );

    let rounds = sizes.rounds;
    let (ours, raw) = best_of_each(
        rounds,
        || ours_bulk("tcp:0:interface=127.0.0.1", sizes.bulk_bytes),
        || raw_tcp_bulk(sizes.bulk_bytes),
    )
    .await?;
    report_throughput("tcp bulk (MiB/s)", sizes.bulk_bytes, ours, raw);

    let (ours, raw) = best_of_each(
        rounds,
        || ours_bulk("tcp:0:interface=127.0.0.1:nodelay=0", sizes.bulk_bytes),
        || raw_tcp_bulk(sizes.bulk_bytes),
    )
    .await?;
    report_throughput("tcp bulk, nodelay=0 (MiB/s)", sizes.bulk_bytes, ours, raw);

    let path = dir.path().join("raw.sock");
    let desc = format!("unix:{}:lockfile=0", dir.path().join("ours.sock").display());
    let (ours, raw) = best_of_each(
        rounds,
        || ours_bulk(&desc, sizes.bulk_bytes),
        || raw_unix_bulk(path.clone(), sizes.bulk_bytes),
    )
    .await?;
    report_throughput("unix bulk (MiB/s)", sizes.bulk_bytes, ours, raw);

    let (ours, raw) = best_of_each(
        rounds,
        || ours_connects("tcp:0:interface=127.0.0.1", sizes.connections),
        || raw_tcp_connects(sizes.connections),
    )
    .await?;
    report_rate("tcp connect+accept (/s)", sizes.connections, ours, raw);

    let path = dir.path().join("raw-c.sock");
    let desc = format!(
        "unix:{}:lockfile=0",
        dir.path().join("ours-c.sock").display()
    );
    let (ours, raw) = best_of_each(
        rounds,
        || ours_connects(&desc, sizes.connections),
        || raw_unix_connects(path.clone(), sizes.connections),
    )
    .await?;
    report_rate("unix connect+accept (/s)", sizes.connections, ours, raw);

    let pki = tls::Pki::new()?;
    let (ours, raw) = best_of_each(
        rounds,
        || tls::ours_bulk(&pki, sizes.bulk_bytes / 2),
        || tls::raw_bulk(&pki, sizes.bulk_bytes / 2),
    )
    .await?;
    report_throughput("tls bulk (MiB/s)", sizes.bulk_bytes / 2, ours, raw);

    let (ours, raw) = best_of_each(
        rounds,
        || tls::ours_handshakes(&pki, sizes.handshakes),
        || tls::raw_handshakes(&pki, sizes.handshakes),
    )
    .await?;
    report_rate("tls handshakes (/s)", sizes.handshakes, ours, raw);
    Ok(())
}

/// TLS: `ssl:` endpoints against tokio-rustls over raw `TcpStream`s, same certificates, same
/// crypto provider (ring), same protocol (TLS 1.3).
mod tls {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use endpoints::{client_from_string, server_from_string};
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_rustls::{TlsAcceptor, TlsConnector};

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    pub struct Pki {
        files: endpoint_testkit::TestPki,
        acceptor: TlsAcceptor,
        connector: TlsConnector,
    }

    impl Pki {
        pub fn new() -> Result<Self, BoxError> {
            let files = endpoint_testkit::TestPki::new();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let chain = CertificateDer::pem_file_iter(files.path("server-cert.pem"))?
                .collect::<Result<Vec<_>, _>>()?;
            let private = PrivateKeyDer::from_pem_file(files.path("server-key.pem"))?;
            let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(chain, private)?;
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_file_iter(files.path("ca.pem"))? {
                roots.add(ca?)?;
            }
            let client_config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Pki {
                files,
                acceptor: TlsAcceptor::from(Arc::new(server_config)),
                connector: TlsConnector::from(Arc::new(client_config)),
            })
        }

        fn server_description(&self) -> String {
            format!(
                "ssl:0:privateKey={}:interface=127.0.0.1",
                self.files.arg("server.pem")
            )
        }

        fn client_description(&self, port: u16) -> String {
            format!(
                "ssl:127.0.0.1:{port}:hostname=localhost:caCertsDir={}",
                self.files.arg("cas")
            )
        }
    }

    pub async fn ours_bulk(pki: &Pki, bytes: usize) -> Result<Duration, BoxError> {
        let mut listener = server_from_string(&pki.server_description())?
            .bind()
            .await?;
        let port = listener.local_address().port().unwrap_or(0);
        let client = client_from_string(&pki.client_description(port))?;
        let (a, b) = tokio::try_join!(client.connect(), listener.accept())?;
        super::pump(a, b, bytes).await
    }

    pub async fn raw_bulk(pki: &Pki, bytes: usize) -> Result<Duration, BoxError> {
        let (a, b) = raw_pair(pki).await?;
        super::pump(a, b, bytes).await
    }

    async fn raw_pair(
        pki: &Pki,
    ) -> Result<
        (
            tokio_rustls::client::TlsStream<TcpStream>,
            tokio_rustls::server::TlsStream<TcpStream>,
        ),
        BoxError,
    > {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let connect = async {
            let tcp = TcpStream::connect(address).await?;
            pki.connector
                .connect(ServerName::try_from("localhost")?, tcp)
                .await
                .map_err(BoxError::from)
        };
        let accept = async {
            let (tcp, _) = listener.accept().await?;
            pki.acceptor.accept(tcp).await.map_err(BoxError::from)
        };
        Ok(tokio::try_join!(connect, accept)?)
    }

    pub async fn ours_handshakes(pki: &Pki, count: usize) -> Result<Duration, BoxError> {
        let mut listener = server_from_string(&pki.server_description())?
            .bind()
            .await?;
        let port = listener.local_address().port().unwrap_or(0);
        let client = client_from_string(&pki.client_description(port))?;
        let started = Instant::now();
        for _ in 0..count {
            let (_a, _b) = tokio::try_join!(client.connect(), listener.accept())?;
        }
        Ok(started.elapsed())
    }

    pub async fn raw_handshakes(pki: &Pki, count: usize) -> Result<Duration, BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let started = Instant::now();
        for _ in 0..count {
            let connect = async {
                let tcp = TcpStream::connect(address).await?;
                pki.connector
                    .connect(ServerName::try_from("localhost")?, tcp)
                    .await
                    .map_err(BoxError::from)
            };
            let accept = async {
                let (tcp, _) = listener.accept().await?;
                pki.acceptor.accept(tcp).await.map_err(BoxError::from)
            };
            let (_a, _b) = tokio::try_join!(connect, accept)?;
        }
        Ok(started.elapsed())
    }
}

/// The fastest of `rounds` runs of each, run alternately (ours, raw, ours, raw, ...) so that
/// neither gets a warmer machine than the other; the fastest run is the least disturbed by
/// the rest of the machine.
async fn best_of_each<A, B, FutA, FutB>(
    rounds: usize,
    ours: A,
    raw: B,
) -> TestResult<(Duration, Duration)>
where
    A: Fn() -> FutA,
    B: Fn() -> FutB,
    FutA: Future<Output = TestResult<Duration>>,
    FutB: Future<Output = TestResult<Duration>>,
{
    let (mut best_ours, mut best_raw) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        best_ours = best_ours.min(ours().await?);
        best_raw = best_raw.min(raw().await?);
    }
    Ok((best_ours, best_raw))
}

fn report_throughput(name: &str, bytes: usize, ours: Duration, raw: Duration) {
    let mib = bytes as f64 / (1 << 20) as f64;
    let (o, r) = (mib / ours.as_secs_f64(), mib / raw.as_secs_f64());
    println!(
        "{name:<34} {o:>14.0} {r:>14.0} {:>7.2}",
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}

fn report_rate(name: &str, count: usize, ours: Duration, raw: Duration) {
    let (o, r) = (
        count as f64 / ours.as_secs_f64(),
        count as f64 / raw.as_secs_f64(),
    );
    println!(
        "{name:<34} {o:>14.0} {r:>14.0} {:>7.2}",
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}

/// Sends `bytes` from `a` to `b` and waits until all of it has been read.
async fn pump<A, B>(mut a: A, mut b: B, bytes: usize) -> TestResult<Duration>
where
    A: AsyncWrite + Unpin + Send + 'static,
    B: AsyncRead + Unpin,
{
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5au8; CHUNK];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK);
            a.write_all(&chunk[..n]).await?;
            left -= n;
        }
        a.shutdown().await?;
        // Keep the stream open until the reader is done: closing it with unread data (TLS
        // session tickets) would reset the connection.
        Ok::<_, std::io::Error>(a)
    });
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0;
    loop {
        let n = b.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        got += n;
    }
    let a = writer.await??;
    drop(a);
    assert_eq!(got, bytes);
    Ok(started.elapsed())
}

async fn ours_pair(description: &str) -> TestResult<(Connection, Connection)> {
    let mut listener = server_from_string(description)?.bind().await?;
    // The client takes the server's extra TCP options (`nodelay=0`) too.
    let mut client = client_for(listener.local_address());
    if description.ends_with(":nodelay=0") {
        client.push_str(":nodelay=0");
    }
    let client = client_from_string(&client)?;
    let (a, b) = tokio::try_join!(client.connect(), listener.accept())?;
    Ok((a, b))
}

fn client_for(address: &endpoints::Address) -> String {
    match address {
        endpoints::Address::Unix(endpoints::UnixAddress::Path(p)) => {
            format!("unix:{}", p.display())
        }
        other => format!("tcp:127.0.0.1:{}", other.port().unwrap_or(0)),
    }
}

async fn ours_bulk(description: &str, bytes: usize) -> TestResult<Duration> {
    let (a, b) = ours_pair(description).await?;
    pump(a, b, bytes).await
}

async fn raw_tcp_bulk(bytes: usize) -> TestResult<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (a, (b, _)) = tokio::try_join!(TcpStream::connect(address), listener.accept())?;
    pump(a, b, bytes).await
}

async fn raw_unix_bulk(path: std::path::PathBuf, bytes: usize) -> TestResult<Duration> {
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let (a, (b, _)) = tokio::try_join!(UnixStream::connect(&path), listener.accept())?;
    pump(a, b, bytes).await
}

async fn ours_connects(description: &str, count: usize) -> TestResult<Duration> {
    let mut listener = server_from_string(description)?.bind().await?;
    let client = client_from_string(&client_for(listener.local_address()))?;
    let started = Instant::now();
    for _ in 0..count {
        let (_a, _b) = tokio::try_join!(client.connect(), listener.accept())?;
    }
    Ok(started.elapsed())
}

async fn raw_tcp_connects(count: usize) -> TestResult<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let started = Instant::now();
    for _ in 0..count {
        let (_a, _b) = tokio::try_join!(TcpStream::connect(address), listener.accept())?;
    }
    Ok(started.elapsed())
}

async fn raw_unix_connects(path: std::path::PathBuf, count: usize) -> TestResult<Duration> {
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let started = Instant::now();
    for _ in 0..count {
        let (_a, _b) = tokio::try_join!(UnixStream::connect(&path), listener.accept())?;
    }
    Ok(started.elapsed())
}

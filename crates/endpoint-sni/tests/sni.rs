//! The `sni+` layer and `SniRouter` over real loopback sockets, with TLS backends of ours
//! (rustls, via `endpoints`) that each present their own certificate.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::{ClientEndpoint, ListenerEvents, TlsHello};
use endpoint_sni::SniRouter;
use endpoint_testkit::{Authority, TestResult, Usage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The safety net for anything a test waits on.
const LIMIT: Duration = Duration::from_secs(30);

/// A CA and two server certificates: `a.example`, and `*.b.example`.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ca = Authority::new("Test Root CA");
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("ca.pem", &ca.pem());
        write(
            "a.pem",
            &ca.issue("a.example", &["a.example"], Usage::Server)
                .combined(),
        );
        write(
            "b.pem",
            &ca.issue("wild.b.example", &["*.b.example"], Usage::Server)
                .combined(),
        );
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        endpoint_core::description::quote(&self.dir.path().join(name).to_string_lossy())
    }
}

/// A TLS server with `cert` that answers every connection with `tag`, then echoes.
async fn tls_backend(
    pki: &Pki,
    cert: &str,
    tag: &'static str,
) -> TestResult<(endpoints::ListeningPort, u16)> {
    let description = format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}",
        pki.path(cert)
    );
    let listener = endpoints::server_from_string(&description)?.bind().await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let port_handle = listener.listen(move |mut connection| async move {
        let _ = connection.write_all(tag.as_bytes()).await;
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = connection.read(&mut buf).await {
            if connection.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    Ok((port_handle, port))
}

#[derive(Default)]
struct Failures(AtomicUsize);

impl ListenerEvents for Failures {
    fn handshake_failed(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A relay of ours: `sni+tcp:0` forwarding through `router`; its port and its failed
/// handshakes.
async fn sni_relay(
    router: SniRouter,
    options: &str,
) -> TestResult<(u16, Arc<Failures>, tokio::task::JoinHandle<()>)> {
    let failures = Arc::new(Failures::default());
    let listener =
        endpoints::server_from_string(&format!("sni+tcp:0:interface=127.0.0.1{options}"))?
            .bind()
            .await?
            .with_events(Arc::clone(&failures) as Arc<dyn ListenerEvents>);
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let router: Arc<dyn ClientEndpoint> = Arc::new(router);
    let task = tokio::spawn(async move {
        let mut listener = listener;
        while let Ok(accepted) = listener.accept().await {
            let router = Arc::clone(&router);
            tokio::spawn(async move {
                let _ = endpoints::relay::forward(accepted, router, None).await;
            });
        }
    });
    Ok((port, failures, task))
}

/// Connects with TLS to `port` asking for `name`, verifying against the test CA; the tag the
/// backend sent and the echo of a line.
async fn tls_client(pki: &Pki, port: u16, name: &str) -> TestResult<(String, String)> {
    let client = endpoints::client_from_string(&format!(
        "tls+tcp:127.0.0.1:{port}:hostname={name}:trustRoots={}",
        pki.path("ca.pem")
    ))?;
    let mut connection = tokio::time::timeout(LIMIT, client.connect()).await??;
    let mut tag = [0u8; 1];
    connection.read_exact(&mut tag).await?;
    connection.write_all(b"ping").await?;
    let mut echo = [0u8; 4];
    connection.read_exact(&mut echo).await?;
    Ok((
        String::from_utf8_lossy(&tag).into_owned(),
        String::from_utf8_lossy(&echo).into_owned(),
    ))
}

fn tcp(port: u16) -> Arc<dyn ClientEndpoint> {
    endpoints::client_from_string(&format!("tcp:127.0.0.1:{port}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_reach_the_backend_with_their_certificate_and_unknown_names_are_refused() -> TestResult
{
    let pki = Pki::new();
    let (_a, a_port) = tls_backend(&pki, "a.pem", "a").await?;
    let (_b, b_port) = tls_backend(&pki, "b.pem", "b").await?;
    let router = SniRouter::new()
        .route("a.example", tcp(a_port))?
        .route("*.b.example", tcp(b_port))?;
    let (port, _failures, _task) = sni_relay(router, "").await?;

    // Each handshake verifies the backend's certificate for the name: the right backend.
    assert_eq!(
        tls_client(&pki, port, "a.example").await?,
        ("a".into(), "ping".into())
    );
    assert_eq!(
        tls_client(&pki, port, "X.B.Example").await?,
        ("b".into(), "ping".into())
    );
    // One label only under the wildcard; no default: the relay closes the client.
    for unknown in ["c.example", "y.x.b.example"] {
        let refused = tls_client(&pki, port, unknown).await;
        assert!(refused.is_err(), "{unknown}: {refused:?}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_name_goes_to_the_default() -> TestResult {
    let pki = Pki::new();
    let (_a, a_port) = tls_backend(&pki, "a.pem", "a").await?;
    let (_b, b_port) = tls_backend(&pki, "b.pem", "b").await?;
    let router = SniRouter::new()
        .route("a.example", tcp(a_port))?
        .route("default", tcp(b_port))?;
    let (port, _failures, _task) = sni_relay(router, "").await?;
    assert_eq!(
        tls_client(&pki, port, "a.example").await?,
        ("a".into(), "ping".into())
    );
    // The default backend's certificate covers *.b.example: ask for a name under it that no
    // route names.
    assert_eq!(
        tls_client(&pki, port, "z.b.example").await?,
        ("b".into(), "ping".into())
    );
    Ok(())
}

/// Accepts one connection on an `sni+` listener whose client sends `bytes`; what the
/// layer made of it and the first bytes the application reads.
async fn accept_after(bytes: &[u8]) -> TestResult<(endpoint_core::Connection, Vec<u8>)> {
    let mut listener = endpoints::server_from_string("sni+tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let mut client = TcpStream::connect(("127.0.0.1", port)).await?;
    client.write_all(bytes).await?;
    let mut accepted = tokio::time::timeout(LIMIT, listener.accept()).await??;
    let mut read = vec![0u8; bytes.len()];
    accepted.read_exact(&mut read).await?;
    drop(client);
    Ok((accepted, read))
}

/// ClientHellos captured from `openssl s_client -servername a.example -alpn h2,http/1.1`
/// and from headless Chromium opening `https://x.b.example:PORT/` (GREASE, a post-quantum
/// key share: 2 KiB), committed under `tests/data/` and in the fuzz corpus.
const CAPTURED: &[(&str, &str, &[&[u8]])] = &[
    (
        "openssl-client-hello.bin",
        "a.example",
        &[b"h2", b"http/1.1"],
    ),
    (
        "chromium-client-hello.bin",
        "x.b.example",
        &[b"h2", b"http/1.1"],
    ),
];

#[tokio::test]
async fn real_client_hellos_are_read_and_replayed_untouched_on_a_plain_socket() -> TestResult {
    for (file, name, alpn) in CAPTURED {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        let hello = std::fs::read(path)?;
        let (accepted, read) = accept_after(&hello).await?;
        let seen = accepted.info().get::<TlsHello>().ok_or("no TlsHello")?;
        assert_eq!(seen.server_name.as_deref(), Some(*name), "{file}");
        let alpn: Vec<Vec<u8>> = alpn.iter().map(|p| p.to_vec()).collect();
        assert_eq!(seen.alpn, alpn, "{file}");
        assert_eq!(
            read, hello,
            "{file}: the application reads the ClientHello as sent"
        );
        assert_eq!(accepted.info().stack.last(), Some(&"sni"));
        // Still a plain socket: a relay to a plain socket splices.
        assert!(accepted.is_plain_socket(), "{file}");
    }
    Ok(())
}

#[tokio::test]
async fn the_tls_client_of_endpoints_sends_what_the_layer_reads() -> TestResult {
    let mut listener = endpoints::server_from_string("sni+tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let client = endpoints::client_from_string(&format!(
        "tls+tcp:127.0.0.1:{port}:hostname=Mixed.Example:alpn=h2,http/1.1"
    ))?;
    let connecting = tokio::spawn(async move { client.connect().await.map(|_| ()) });
    let accepted = tokio::time::timeout(LIMIT, listener.accept()).await??;
    let seen = accepted
        .info()
        .get::<TlsHello>()
        .ok_or("no TlsHello")?
        .clone();
    drop(accepted);
    let _ = connecting.await;
    assert_eq!(seen.server_name.as_deref(), Some("mixed.example"));
    assert_eq!(seen.alpn, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_tls_and_silent_clients_are_closed_and_counted() -> TestResult {
    let router = SniRouter::new().route("default", tcp(9))?;
    let (port, failures, _task) = sni_relay(router, ":timeout=1").await?;

    let mut http = TcpStream::connect(("127.0.0.1", port)).await?;
    http.write_all(b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n")
        .await?;
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(LIMIT, http.read(&mut buf)).await?;
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");

    // Says nothing: closed once the 1 s timeout passes.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).await?;
    let closed = tokio::time::timeout(LIMIT, silent.read(&mut buf)).await?;
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");

    endpoint_testkit::eventually_async(LIMIT, || {
        let failures = Arc::clone(&failures);
        async move { failures.0.load(Ordering::SeqCst) == 2 }
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_to_a_plain_upstream_splices_and_the_upstream_gets_the_hello_untouched(
) -> TestResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chromium-client-hello.bin");
    let hello = std::fs::read(path)?;
    // The upstream keeps what it receives until the client's end closes.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let upstream_port = upstream.local_addr()?.port();
    let received = tokio::spawn(async move {
        let (mut stream, _) = upstream.accept().await?;
        let mut all = Vec::new();
        stream.read_to_end(&mut all).await?;
        stream.write_all(b"done").await?;
        Ok::<_, std::io::Error>(all)
    });

    let mut listener = endpoints::server_from_string("sni+tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let mut client = TcpStream::connect(("127.0.0.1", port)).await?;
    client.write_all(&hello).await?;
    let accepted = tokio::time::timeout(LIMIT, listener.accept()).await??;
    let router = SniRouter::new().route("x.b.example", tcp(upstream_port))?;
    let relaying = tokio::spawn(endpoints::relay::forward(accepted, Arc::new(router), None));
    client.write_all(b"after the hello").await?;
    client.shutdown().await?;
    let mut answer = Vec::new();
    tokio::time::timeout(LIMIT, client.read_to_end(&mut answer)).await??;
    assert_eq!(answer, b"done");

    let mut expected = hello.clone();
    expected.extend_from_slice(b"after the hello");
    assert_eq!(received.await??, expected);
    let relayed = match relaying.await? {
        Ok(relayed) => relayed,
        Err(e) => return Err(format!("{e:?}").into()),
    };
    assert!(relayed.zero_copy, "spliced: {relayed:?}");
    assert_eq!(relayed.a_to_b, expected.len() as u64);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminating_tls_server_routes_by_the_name_it_agreed_on() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ca = Authority::new("Test Root CA");
    std::fs::write(dir.path().join("ca.pem"), ca.pem())?;
    let both = ca.issue("front", &["a.example", "*.b.example"], Usage::Server);
    std::fs::write(dir.path().join("front.pem"), both.combined())?;
    let quoted =
        |name: &str| endpoint_core::description::quote(&dir.path().join(name).to_string_lossy());
    // Plain upstreams that say who they are.
    let upstream = |tag: &'static [u8]| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(tag).await;
            }
        });
        Ok::<_, std::io::Error>(port)
    };
    let router = SniRouter::new()
        .route("a.example", tcp(upstream(b"a").await?))?
        .route("*.b.example", tcp(upstream(b"b").await?))?;
    let mut listener = endpoints::server_from_string(&format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}",
        quoted("front.pem")
    ))?
    .bind()
    .await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let router: Arc<dyn ClientEndpoint> = Arc::new(router);
    tokio::spawn(async move {
        while let Ok(accepted) = listener.accept().await {
            tokio::spawn(endpoints::relay::forward(
                accepted,
                Arc::clone(&router),
                None,
            ));
        }
    });
    for (name, tag) in [("a.example", "a"), ("x.b.example", "b")] {
        let client = endpoints::client_from_string(&format!(
            "tls+tcp:127.0.0.1:{port}:hostname={name}:trustRoots={}",
            quoted("ca.pem")
        ))?;
        let mut connection = tokio::time::timeout(LIMIT, client.connect()).await??;
        let mut got = [0u8; 1];
        connection.read_exact(&mut got).await?;
        assert_eq!(&got, tag.as_bytes(), "{name}");
    }
    Ok(())
}

//! The self-contained demo: listens and connects over every built-in kind on loopback (TCP,
//! IPv6, unix paths and abstract names, TLS with a certificate made on the spot, TLS over a
//! unix socket, WebSocket (a `ws://` URL and `wss:`), and the example plugin's `throttle+`
//! layer), sends a line each way, and prints what happened. No setup, no network beyond loopback.
//!
//! Run: `cargo run -p endpoint-examples --bin demo`

use std::error::Error;

use endpoints::quote;
use endpoints::{client_from_string, server_from_string, Address, Connection, UnixAddress};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

// Linking the plugin is the one line an application adds to accept its strings.
use endpoint_throttle as _;

/// Writes the client description that reaches a listener's bound address.
type ClientFor = Box<dyn Fn(&Address) -> String>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let socket = quote(&dir.path().join("demo.sock").to_string_lossy());
    let abstract_name = format!("@endpoints-demo-{}", std::process::id());
    // A CA and a certificate for localhost, made now (rcgen), in a temp dir.
    let pki = endpoint_testkit::TestPki::new();
    let (server_pem, ca_pem) = (pki.arg("server.pem"), pki.arg("ca.pem"));
    let tls_name = format!("@endpoints-demo-tls-{}", std::process::id());

    let pairs: Vec<(String, ClientFor)> = vec![
        (
            "tcp:0:interface=127.0.0.1".into(),
            Box::new(|a| format!("tcp:127.0.0.1:{}", port(a))),
        ),
        (
            r"tcp6:0:interface=\:\:1".into(),
            Box::new(|a| format!("tcp:[::1]:{}", port(a))),
        ),
        (
            format!("unix:{socket}:mode=600"),
            Box::new(move |a| format!("unix:{}", unix_path(a))),
        ),
        (
            format!("unix:{abstract_name}"),
            Box::new(|a| format!("unix:{}", unix_path(a))),
        ),
        (
            format!("ssl:0:privateKey={server_pem}:interface=127.0.0.1"),
            Box::new({
                let ca = ca_pem.clone();
                move |a| format!("tls:localhost:{}:trustRoots={ca}", port(a))
            }),
        ),
        (
            format!("tls+unix:{tls_name}:certificate={server_pem}:alpn=h2,http/1.1"),
            Box::new({
                let ca = ca_pem.clone();
                move |a| {
                    format!(
                        "tls+unix:{}:hostname=localhost:trustRoots={ca}:alpn=h2",
                        unix_path(a)
                    )
                }
            }),
        ),
        (
            "ws:0:interface=127.0.0.1:path=/demo".into(),
            Box::new(|a| format!("ws://127.0.0.1:{}/demo", port(a))),
        ),
        (
            format!("wss:0:privateKey={server_pem}:interface=127.0.0.1:path=/secure"),
            Box::new({
                let ca = ca_pem.clone();
                move |a| format!("wss:localhost:{}:trustRoots={ca}:path=/secure", port(a))
            }),
        ),
        (
            "throttle+tcp:0:interface=127.0.0.1:rate=65536".into(),
            Box::new(|a| format!("throttle+tcp:localhost:{}:rate=65536", port(a))),
        ),
    ];

    for (server, client_for) in pairs {
        let server = server_from_string(&server)?;
        let mut listener = server.bind().await?;
        let client = client_from_string(&client_for(listener.local_address()))?;
        println!("server  {server}");
        println!("client  {client}");
        let (accepted, connected) = tokio::try_join!(listener.accept(), client.connect())?;
        let (request, reply) = converse(accepted, connected).await?;
        println!("        {request:?} went over and {reply:?} came back\n");
    }

    println!("bad descriptions get clear errors:");
    for bad in [
        "tpc:8080",
        "tcp:80:backlg=5",
        "unix:/tmp/x.sock:mode=999",
        "tcp6:example.com:80",
    ] {
        let error = match bad {
            "tcp6:example.com:80" => client_from_string(bad).map(|_| ()).unwrap_err(),
            _ => server_from_string(bad).map(|_| ()).unwrap_err(),
        };
        println!("  {error}");
        if let Some(caret) = error.caret() {
            println!("{caret}");
        }
    }
    Ok(())
}

/// Sends a line from the client, answers it from the server, and describes both ends.
async fn converse(
    accepted: Connection,
    connected: Connection,
) -> Result<(String, String), Box<dyn Error>> {
    println!(
        "        connected {} -> {} through {:?}",
        connected.local_address(),
        connected.peer_address(),
        connected.info().stack
    );
    if let Some(tls) = connected.info().get::<endpoints::tls::TlsInfo>() {
        println!(
            "        {} {}, alpn {:?}, server certificate verified",
            tls.version, tls.cipher_suite, tls.alpn
        );
    }
    let mut server = BufReader::new(accepted);
    let mut client = BufReader::new(connected);
    // Flush: a WebSocket connection batches writes into messages until flushed.
    client.get_mut().write_all(b"hello, endpoint\n").await?;
    client.get_mut().flush().await?;
    let mut request = String::new();
    server.read_line(&mut request).await?;
    server
        .get_mut()
        .write_all(format!("you said: {}", request).as_bytes())
        .await?;
    server.get_mut().flush().await?;
    let mut reply = String::new();
    client.read_line(&mut reply).await?;
    Ok((request.trim_end().to_owned(), reply.trim_end().to_owned()))
}

fn port(address: &Address) -> u16 {
    address.port().unwrap_or_default()
}

fn unix_path(address: &Address) -> String {
    match address {
        Address::Unix(UnixAddress::Path(p)) => quote(&p.to_string_lossy()),
        Address::Unix(UnixAddress::Abstract(name)) => format!("@{}", String::from_utf8_lossy(name)),
        other => other.to_string(),
    }
}

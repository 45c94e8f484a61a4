//! `tls+socks5+tcp:localhost:PORT`: TLS runs end to end through the proxy and verifies the
//! target's name, `localhost`, against the test CA.

mod support;

use endpoint_testkit::TestPki;
use endpoints::Registry;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `listener`'s connections: echoes each one's bytes.
fn echo_each(mut listener: endpoints::Listener) {
    tokio::spawn(async move {
        while let Ok(mut connection) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n @ 1..) = connection.read(&mut buf).await {
                    let _ = connection.write_all(&buf[..n]).await;
                    let _ = connection.flush().await;
                }
            });
        }
    });
}

#[tokio::test]
async fn tls_over_socks5_verifies_the_target() -> TestResult {
    let Some(binary) = endpoint_testkit::require_tool("microsocks") else {
        return Ok(());
    };
    let pki = TestPki::new();
    let key = pki.arg("server.pem");
    let listener = Registry::global()
        .server(&format!("ssl:0:privateKey={key}:interface=127.0.0.1"))?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("no port")?;
    echo_each(listener);
    // The proxy may resolve localhost to ::1 first: serve there too when the port is free.
    if let Ok(server) =
        Registry::global().server(&format!(r"ssl:{port}:privateKey={key}:interface=\:\:1"))
    {
        if let Ok(v6) = server.bind().await {
            echo_each(v6);
        }
    }
    let proxy = microsocks(&binary, None).await?;
    let text = format!(
        "tls+socks5+tcp:localhost:{port}:proxy={}:trustRoots={}",
        proxy.description(),
        pki.arg("ca.pem")
    );
    let client = Registry::global().client(&text)?;
    assert!(
        client.to_string().contains("tls.hostname=localhost"),
        "{client}"
    );
    let mut connection = client.connect().await?;
    round_trip(&mut connection, b"tls through socks5").await?;
    assert_eq!(connection.info().stack, ["tcp", "socks5", "tls"]);

    // A name the certificate does not hold fails verification through the same proxy.
    let wrong = format!(
        "tls+socks5+tcp:127.0.0.1:{port}:proxy={}:trustRoots={}:hostname=other.example",
        proxy.description(),
        pki.arg("ca.pem")
    );
    let error = Registry::global()
        .client(&wrong)?
        .connect()
        .await
        .unwrap_err();
    assert!(
        error.find::<endpoints::tls::TlsProblem>().is_some(),
        "{error}"
    );
    Ok(())
}

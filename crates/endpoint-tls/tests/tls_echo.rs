//! Echo over every TLS form: ssl, tls (client and PEM-directory server), tls+unix.
mod support;

use endpoint_core::{Registry, Secured};
use endpoint_testkit::TestResult;
use endpoint_tls::TlsInfo;
use endpoint_unix as _;
use support::{echo, first_der, port_of, ssl_listener, Pki};

#[tokio::test]
async fn ssl_server_and_ssl_client() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let client = r.client(&format!(
        "ssl:127.0.0.1:{}:hostname=localhost:caCertsDir={}",
        port_of(&listener),
        pki.arg("cas")
    ))?;
    let (accepted, connected) = echo(&mut listener, &*client).await?;
    let info = connected.info().get::<TlsInfo>().expect("tls info");
    assert_eq!(info.version, "TLSv1_3");
    assert_eq!(info.server_name.as_deref(), Some("localhost"));
    assert_eq!(
        info.peer_certificates[0].as_ref(),
        first_der(&pki.path("server.pem"))
    );
    assert_eq!(connected.info().stack, ["tcp", "tls"]);
    let server_info = accepted.info().get::<TlsInfo>().expect("tls info");
    assert_eq!(server_info.server_name.as_deref(), Some("localhost"));
    assert!(!server_info.cipher_suite.is_empty());
    // Both sides carry the typed "encrypted" mark; no ALPN was offered. The server's also
    // says which name the client asked for (routers and `haproxy+` pass it on).
    let plain = Secured::new(None).with_protocol("TLSv1.3");
    assert_eq!(connected.info().get::<Secured>(), Some(&plain));
    assert_eq!(
        accepted.info().get::<Secured>(),
        Some(&plain.with_server_name("localhost"))
    );
    Ok(())
}

#[tokio::test]
async fn ssl_client_verifies_the_host_when_no_hostname_is_given() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    // The certificate holds the IP 127.0.0.1, so verifying the host itself passes; no SNI.
    let client = r.client(&format!(
        "ssl:127.0.0.1:{}:caCertsDir={}",
        port_of(&listener),
        pki.arg("cas")
    ))?;
    let (_, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(connected.info().get::<TlsInfo>().unwrap().server_name, None);
    Ok(())
}

#[tokio::test]
async fn tls_client_over_an_inner_endpoint() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = r
        .server(&format!(
            "ssl:0:privateKey={}:certKey={}:interface=127.0.0.1",
            pki.arg("server-key.pem"),
            pki.arg("server-cert.pem")
        ))?
        .bind()
        .await?;
    let inner = endpoint_core::description::quote(&format!("tcp:127.0.0.1:{}", port_of(&listener)));
    let client = r.client(&format!(
        "tls:localhost:1:trustRoots={}:endpoint={inner}",
        pki.arg("cas")
    ))?;
    echo(&mut listener, &*client).await?;
    Ok(())
}

#[tokio::test]
async fn tls_client_over_happy_eyeballs_and_ipv6_literal() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = r
        .server(&format!(
            r"ssl:0:privateKey={}:interface=\:\:1",
            pki.arg("server.pem")
        ))?
        .bind()
        .await?;
    let client = r.client(&format!(
        r"tls:\:\:1:{}:trustRoots={}",
        port_of(&listener),
        pki.arg("cas")
    ))?;
    echo(&mut listener, &*client).await?;
    Ok(())
}

#[tokio::test]
async fn pem_directory_server() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = r
        .server(&format!(r"tls:{}:port=0:interface=\:\:1", pki.arg("sni")))?
        .bind()
        .await?;
    let inner = endpoint_core::description::quote(&format!("tcp:[::1]:{}", port_of(&listener)));
    let client = r.client(&format!(
        "tls:www.example.com:443:trustRoots={}:endpoint={inner}",
        pki.arg("cas")
    ))?;
    let (accepted, _) = echo(&mut listener, &*client).await?;
    assert_eq!(
        accepted
            .info()
            .get::<TlsInfo>()
            .unwrap()
            .server_name
            .as_deref(),
        Some("www.example.com")
    );
    Ok(())
}

#[tokio::test]
async fn tls_layer_over_unix() -> TestResult {
    let pki = Pki::new();
    let dir = tempfile::tempdir()?;
    let socket = endpoint_core::description::quote(&dir.path().join("tls.sock").to_string_lossy());
    let r = Registry::global();
    let mut listener = r
        .server(&format!(
            "tls+unix:{socket}:certificate={}",
            pki.arg("server.pem")
        ))?
        .bind()
        .await?;
    let client = r.client(&format!(
        "tls+unix:{socket}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let (accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(accepted.info().stack, ["unix", "tls"]);
    assert_eq!(connected.info().stack, ["unix", "tls"]);
    Ok(())
}

#[test]
fn canonical_text_round_trips() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let descriptions = [
        format!("ssl:443:privateKey={}", pki.arg("server.pem")),
        format!(
            "ssl:443:{}:sslmethod=TLSv1_2_METHOD:handshakeTimeout=2.5",
            pki.arg("server.pem")
        ),
        format!("tls:{}:8443:5:127.0.0.1", pki.arg("sni")),
        format!(
            "tls+tcp:0:certificate={}:alpn=h2,http/1.1:clientCA={}",
            pki.arg("server.pem"),
            pki.arg("ca.pem")
        ),
    ];
    for d in &descriptions {
        let first = r.server(d)?.to_string();
        assert_eq!(r.server(&first)?.to_string(), first, "{d}");
    }
    let clients = [
        format!("ssl:h:443:caCertsDir={}", pki.arg("cas")),
        format!(
            "ssl:h:443:certKey={}:bindAddress=127.0.0.1:timeout=3",
            pki.arg("client.pem")
        ),
        "tls:example.com:443:10:127.0.0.1".to_owned(),
        "tls:\u{e9}xample.example.com:443".to_owned(),
        "tls:h:443:endpoint=tcp\\:127.0.0.1\\:8443".to_owned(),
        "tls+tcp:example.com:443:alpn=h2".to_owned(),
    ];
    for d in &clients {
        let first = r.client(d)?.to_string();
        assert_eq!(r.client(&first)?.to_string(), first, "{d}");
    }
    assert_eq!(
        r.client("tls:\u{e9}xample.example.com:443")?.to_string(),
        "tls:\u{e9}xample.example.com:443:timeout=30"
    );
    assert_eq!(
        r.client("tls+tcp:example.com:443")?.to_string(),
        "tls+tcp:example.com:443:timeout=30:tls.hostname=example.com:tls.handshakeTimeout=10"
    );
    Ok(())
}

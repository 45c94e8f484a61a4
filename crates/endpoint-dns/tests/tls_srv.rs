//! `tls+srv:` verifies each target by the name its SRV record gives (recorded by the member
//! as `Reached`), not the SRV name; an explicit `hostname=` still wins.

mod support;

use endpoint_core::description::quote;
use endpoint_core::{Reached, Registry};
use endpoint_dns as _;
use endpoint_testkit::{require_dnsmasq, Authority, Dnsmasq, TestResult, Usage, SAFETY};
use endpoint_tls as _;
use support::{host, srv};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_target_is_verified_by_its_own_name() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let ca = Authority::new("DNS Test CA");
    std::fs::write(dir.path().join("ca.pem"), ca.pem())?;
    let issued = ca.issue("a.test", &["a.test"], Usage::Server);
    std::fs::write(dir.path().join("a.pem"), issued.combined())?;
    let arg = |name: &str| quote(&dir.path().join(name).to_string_lossy());

    let registry = Registry::global();
    let server = registry.server(&format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}",
        arg("a.pem")
    ))?;
    let mut listener = server.bind().await?;
    let port = listener.local_address().port().ok_or("a port")?;
    tokio::spawn(async move {
        while let Ok(mut connection) = listener.accept().await {
            tokio::spawn(async move {
                let _ = connection.write_all(b"a").await;
                let _ = connection.shutdown().await;
            });
        }
    });

    let dns = Dnsmasq::start(
        &dnsmasq,
        &[
            srv("_https._tcp.svc.test", "a.test", port, 0, 1),
            srv("_wrong._tcp.svc.test", "wrong.test", port, 0, 1),
            host("a.test", "127.0.0.1"),
            host("wrong.test", "127.0.0.1"),
        ],
    )
    .await?;
    let client = |name: &str, extra: &str| {
        registry.client(&format!(
            "tls+srv:{name}:nameserver={}:trustRoots={}{extra}",
            dns.nameserver(),
            arg("ca.pem")
        ))
    };

    // The target a.test presents a certificate for a.test: verified.
    let good = client("_https._tcp.svc.test", "")?;
    let mut connection = tokio::time::timeout(SAFETY, good.connect()).await??;
    assert_eq!(
        connection
            .info()
            .get::<Reached>()
            .map(|r| r.0.host().to_owned()),
        Some("a.test".to_owned())
    );
    let mut text = String::new();
    connection.read_to_string(&mut text).await?;
    assert_eq!(text, "a");
    // The canonical text writes the derived hostname (the SRV name) out; parsed back, it still
    // follows each target.
    let again = registry.client(&good.to_string())?;
    let mut connection = tokio::time::timeout(SAFETY, again.connect()).await??;
    let mut text = String::new();
    connection.read_to_string(&mut text).await?;
    assert_eq!(text, "a");

    // The target wrong.test presents the same certificate, not valid for wrong.test: refused.
    let wrong = client("_wrong._tcp.svc.test", "")?;
    let error = tokio::time::timeout(SAFETY, wrong.connect())
        .await?
        .unwrap_err();
    let shown = format!("{error:#}");
    let chain = endpoint_testkit_chain(&error);
    assert!(chain.contains("wrong.test"), "{shown}: {chain}");

    // An explicit hostname= is verified on every target instead.
    let pinned = client("_wrong._tcp.svc.test", ":hostname=a.test")?;
    let mut connection = tokio::time::timeout(SAFETY, pinned.connect()).await??;
    let mut text = String::new();
    connection.read_to_string(&mut text).await?;
    assert_eq!(text, "a");
    Ok(())
}

/// The error and its sources, one line.
fn endpoint_testkit_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}

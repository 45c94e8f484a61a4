//! The egress guard refuses guarded addresses at connect time, after name resolution, and
//! tries only the allowed ones of a mixed answer. Only loopback addresses are ever dialled
//! (the other classes are checked as addresses in `endpoint-core`'s unit tests), and a
//! refused attempt is shown to have sent nothing: the listener's first connection is a later,
//! deliberate one.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use endpoint_testkit::TestResult;
use endpoints::core::{AddressClass, BoxFuture, EgressPolicy, Refusal};
use endpoints::tcp::{Resolve, TcpClientEndpoint};
use endpoints::{ClientEndpoint, Error, Registry};
use tokio::net::{TcpListener, TcpStream};

const SAFETY: Duration = Duration::from_secs(30);

fn guarded(policy: EgressPolicy) -> Registry {
    let mut registry = Registry::global().clone();
    registry.guard_egress(policy);
    registry
}

/// The refusal inside a connect error, if that is what it is.
fn refusal(error: &Error) -> Option<Refusal> {
    let source = std::error::Error::source(error)?.downcast_ref::<io::Error>()?;
    assert_eq!(source.kind(), io::ErrorKind::PermissionDenied, "{error}");
    source.get_ref()?.downcast_ref::<Refusal>().copied()
}

/// Asserts that `listener` has not been dialled: the first connection it accepts is one made
/// now, from a socket whose address we know.
async fn assert_untouched(listener: &TcpListener) -> TestResult {
    let probe = TcpStream::connect(listener.local_addr()?).await?;
    let (_accepted, from) = tokio::time::timeout(SAFETY, listener.accept()).await??;
    assert_eq!(from, probe.local_addr()?, "something else connected first");
    Ok(())
}

#[tokio::test]
async fn a_loopback_address_is_refused_naming_the_rule() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let registry = guarded(EgressPolicy::public_only());
    for text in [
        format!("tcp:127.0.0.1:{port}"),
        format!("tcp:[::ffff:127.0.0.1]:{port}"),
        format!("tls:127.0.0.1:{port}"),
        format!("ssl:127.0.0.1:{port}"),
        format!("ws:127.0.0.1:{port}"),
    ] {
        let error = registry.client(&text)?.connect().await.expect_err(&text);
        let refusal = refusal(&error).unwrap_or_else(|| panic!("{text}: {error}"));
        assert_eq!(refusal.class, AddressClass::Loopback, "{text}");
        assert!(
            std::error::Error::source(&error)
                .map(ToString::to_string)
                .is_some_and(|s| s.contains("127.0.0.1 is a loopback address")),
            "{text}: {error}"
        );
    }
    assert_untouched(&listener).await
}

#[tokio::test]
async fn a_name_that_resolves_to_a_guarded_address_is_refused() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let registry = guarded(EgressPolicy::new().refuse(AddressClass::Loopback));
    // `localhost` resolves (from /etc/hosts) to loopback addresses only.
    let error = registry
        .client(&format!("tcp:localhost:{port}"))?
        .connect()
        .await
        .expect_err("localhost is loopback");
    assert_eq!(
        refusal(&error).map(|r| r.class),
        Some(AddressClass::Loopback)
    );
    // Nested in another description, the policy still holds.
    let nested = format!(r"tls:localhost:{port}:endpoint=tcp\:localhost\:{port}");
    let error = registry
        .client(&nested)?
        .connect()
        .await
        .expect_err("nested");
    assert!(refusal(&error).is_some(), "{error}");
    assert_untouched(&listener).await
}

#[tokio::test]
async fn an_exception_by_cidr_lets_a_block_through() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let policy = EgressPolicy::public_only().allow("127.0.0.0/8".parse()?);
    let client = guarded(policy).client(&format!("tcp:127.0.0.1:{port}"))?;
    let (connected, accepted) = tokio::join!(client.connect(), listener.accept());
    let connected = connected?;
    let (_stream, from) = accepted?;
    assert_eq!(connected.local_address().to_string(), from.to_string());
    Ok(())
}

/// Resolves every name to the same fixed addresses, in order.
struct Fixed(Vec<IpAddr>);

impl Resolve for Fixed {
    fn resolve(&self, _host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let answer = self.0.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
        Box::pin(async move { Ok(answer) })
    }
}

#[tokio::test]
async fn a_mixed_answer_tries_only_the_allowed_address() -> TestResult {
    // The guarded address comes first in the answer; its listener must never be dialled.
    let guarded_listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = guarded_listener.local_addr()?.port();
    let allowed_listener = TcpListener::bind(("127.0.0.2", port)).await?;
    let policy = EgressPolicy::new()
        .refuse(AddressClass::Loopback)
        .allow("127.0.0.2/32".parse()?);
    let resolver = Fixed(vec!["127.0.0.1".parse()?, "127.0.0.2".parse()?]);
    let client = TcpClientEndpoint::new("mixed.example", port)
        .resolver(Arc::new(resolver))
        .egress(policy);
    let (connected, accepted) = tokio::join!(client.connect(), allowed_listener.accept());
    let connected = connected?;
    let (_stream, _) = accepted?;
    assert_eq!(
        connected.peer_address().to_string(),
        format!("127.0.0.2:{port}")
    );
    assert_untouched(&guarded_listener).await
}

#[tokio::test]
async fn an_answer_of_only_guarded_addresses_names_the_first() -> TestResult {
    // Loopback only: were the guard broken, nothing would leave this machine.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let resolver = Fixed(vec!["127.0.0.1".parse()?, "::1".parse()?]);
    let client = TcpClientEndpoint::new("loopback.example", port)
        .resolver(Arc::new(resolver))
        .egress(EgressPolicy::public_only());
    let error = client.connect().await.expect_err("all guarded");
    let refusal = refusal(&error).ok_or("not a refusal")?;
    assert_eq!(refusal.class, AddressClass::Loopback);
    assert_eq!(refusal.address.to_string(), "127.0.0.1");
    assert_untouched(&listener).await
}

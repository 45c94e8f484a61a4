//! Several server descriptions as one listener, on real sockets: connections from each carry
//! their source, stopping frees every port and socket file, and a failed bind leaves nothing.

use endpoint_testkit::{TestResult, SAFETY};

use endpoints::{ListenerSource, ServerEndpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_merged_port_serves_every_description_and_stopping_frees_them_all() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("merged.sock");
    let unix = format!("unix:{}", endpoints::quote(&file.to_string_lossy()));
    let servers = [
        "tcp:0:interface=127.0.0.1",
        "tcp6:0:interface=\\:\\:1",
        &unix,
    ];
    let listener = endpoints::servers_from_strings(&servers)?.bind().await?;
    // Each connection is answered with the index of the listener it came in on.
    let port = listener.listen(|mut connection| async move {
        let index = connection.info().get::<ListenerSource>().map(|s| s.index);
        let answer = format!("{index:?}");
        let _ = connection.write_all(answer.as_bytes()).await;
    });
    let locals = port.local_addresses().to_vec();
    assert_eq!(locals.len(), 3);
    assert_eq!(port.local_address(), &locals[0]);

    let clients = [
        format!("tcp:127.0.0.1:{}", locals[0].port().ok_or("tcp")?),
        format!("tcp:\\:\\:1:{}", locals[1].port().ok_or("tcp6")?),
        unix.clone(),
    ];
    for (expected, client) in clients.iter().enumerate() {
        let mut connection =
            tokio::time::timeout(SAFETY, endpoints::client_from_string(client)?.connect())
                .await??;
        let mut answer = String::new();
        tokio::time::timeout(SAFETY, connection.read_to_string(&mut answer)).await??;
        assert_eq!(answer, format!("Some({expected})"), "{client}");
    }

    port.stop_listening().await;
    assert!(!file.exists(), "the unix socket file is removed");
    for local in &locals[..2] {
        std::net::TcpListener::bind(local.as_inet().ok_or("inet")?)?;
    }
    Ok(())
}

#[tokio::test]
async fn a_failed_bind_closes_what_was_bound_before_it() -> TestResult {
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let busy = taken.local_addr()?.port();
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("first.sock");
    let unix = format!("unix:{}", endpoints::quote(&file.to_string_lossy()));
    let both = endpoints::servers_from_strings(&[unix, format!("tcp:{busy}:interface=127.0.0.1")])?;
    let error = both.bind().await.err().ok_or("bound a port in use")?;
    assert!(
        error.to_string().contains(&format!("tcp:{busy}")),
        "{error}"
    );
    assert!(!file.exists(), "the first listener is closed again");
    Ok(())
}

#[test]
fn a_bad_description_fails_before_anything_is_bound() {
    let result = endpoints::servers_from_strings(&["tcp:0", "tpc:80"]);
    assert!(matches!(result, Err(endpoints::Error::UnknownKind { .. })));
}

//! Echo over a socket file and over an abstract name, parsed from descriptions.

use std::time::Duration;

use endpoint_core::{Address, Connection, Registry, UnixAddress};
use endpoint_testkit::TestResult;
use endpoint_unix::PeerCredentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(10);

/// Sends a message through `client`, echoes it on `server`, and checks it came back.
async fn echo(mut server: Connection, mut client: Connection) -> TestResult {
    let echoer = async move {
        let mut buf = [0; 64];
        let n = server.read(&mut buf).await?;
        server.write_all(&buf[..n]).await?;
        Ok::<_, std::io::Error>(server)
    };
    let talker = async move {
        client.write_all(b"over the wire").await?;
        let mut back = [0; 13];
        client.read_exact(&mut back).await?;
        Ok::<_, std::io::Error>(back)
    };
    let (_, back) =
        tokio::time::timeout(LIMIT, async { tokio::try_join!(echoer, talker) }).await??;
    assert_eq!(&back, b"over the wire");
    Ok(())
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[tokio::test]
async fn echo_over_a_socket_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("echo.sock");
    let text = endpoint_core::description::quote(&path.to_string_lossy());
    let server = Registry::global().server(&format!("unix:{text}"))?;
    let client = Registry::global().client(&format!("unix:{text}"))?;
    assert_eq!(
        server.to_string(),
        format!("unix:{text}:backlog=50:lockfile=1")
    );

    let mut listener = server.bind().await?;
    assert_eq!(
        listener.local_address(),
        &Address::Unix(UnixAddress::Path(path.clone()))
    );
    let (accepted, connected) = tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;

    assert_eq!(
        accepted.local_address(),
        &Address::Unix(UnixAddress::Path(path.clone()))
    );
    assert_eq!(
        accepted.peer_address(),
        &Address::Unix(UnixAddress::Unnamed)
    );
    assert_eq!(
        connected.peer_address(),
        &Address::Unix(UnixAddress::Path(path.clone()))
    );
    assert_eq!(accepted.info().stack, ["unix"]);
    for conn in [&accepted, &connected] {
        let creds = conn
            .info()
            .get::<PeerCredentials>()
            .ok_or("no peer credentials")?;
        assert_eq!(creds.uid, uid());
        assert_eq!(creds.pid, Some(std::process::id() as i32));
    }
    echo(accepted, connected).await
}

#[tokio::test]
async fn echo_over_an_abstract_name() -> TestResult {
    let name = format!("endpoint-unix-test-{}-echo", std::process::id());
    let server = Registry::global().server(&format!("unix:@{name}"))?;
    let client = Registry::global().client(&format!("unix:@{name}"))?;
    let abstract_address = Address::Unix(UnixAddress::Abstract(name.clone().into_bytes()));

    let mut listener = server.bind().await?;
    assert_eq!(listener.local_address(), &abstract_address);
    let (accepted, connected) = tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    assert_eq!(accepted.local_address(), &abstract_address);
    assert_eq!(connected.peer_address(), &abstract_address);
    let creds = accepted
        .info()
        .get::<PeerCredentials>()
        .ok_or("no peer credentials")?;
    assert_eq!(creds.uid, uid());
    echo(accepted, connected).await?;

    // The name is free again once the listener is gone (nothing to unlink, no lock).
    drop(listener);
    let again = server.bind().await?;
    assert_eq!(again.local_address(), &abstract_address);
    Ok(())
}

#[tokio::test]
async fn a_leading_nul_is_an_abstract_name_too() -> TestResult {
    let name = format!("endpoint-unix-test-{}-nul", std::process::id());
    let server = Registry::global().server(&format!("unix:\0{name}:lockfile=0"))?;
    assert_eq!(
        server.to_string(),
        format!("unix:@{name}:backlog=50:lockfile=0")
    );
    let mut listener = server.bind().await?;
    let client = Registry::global().client(&format!("unix:@{name}"))?;
    let (accepted, connected) = tokio::time::timeout(LIMIT, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    echo(accepted, connected).await
}

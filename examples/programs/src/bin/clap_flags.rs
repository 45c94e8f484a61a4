//! Descriptions as command-line flags with clap: `--listen <DESCRIPTION>` is a typed
//! `ServerDescription`, so a bad string is refused while the arguments are read (the library's
//! message, a caret under the bad byte, exit status 2), and `--help` lists the kinds.
//!
//! Run: `cargo run -p endpoint-examples --bin clap_flags` listens on `tcp:0` (loopback),
//! connects to itself, echoes one message and exits. Try `-- --listen unix:/tmp/echo.sock`,
//! `-- --listen tpc:80` (the error), `-- --help` (the kinds), `-- --timeout 250ms`.

use std::time::Duration;

use clap::Parser;
use endpoints::core::description::parse_duration;
use endpoints::{Address, ClientDescription, ServerDescription, Side, UnixAddress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Echo one message through any transport.
#[derive(Debug, Parser)]
struct Args {
    /// Where to listen, e.g. `tcp:8080` or `unix:/tmp/echo.sock`.
    #[arg(long, value_name = "DESCRIPTION", default_value = "tcp:0:interface=127.0.0.1",
          long_help = endpoints::clap::help(
              "Where to listen, e.g. `tcp:8080` or `unix:/tmp/echo.sock`.",
              Side::Server,
          ))]
    listen: ServerDescription,

    /// Where the test client connects (default: the address the server got).
    #[arg(long, value_name = "DESCRIPTION", long_help = endpoints::clap::help(
        "Where the test client connects (default: the address the server got).",
        Side::Client,
    ))]
    connect: Option<ClientDescription>,

    /// How long the whole exchange may take: `5s`, `250ms`, `1m`, or seconds.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A bad description never gets here: clap prints the error and exits 2.
    let args = Args::parse();
    tokio::time::timeout(args.timeout, echo_once(&args)).await??;
    Ok(())
}

/// Listens, connects to itself, and checks one message comes back.
async fn echo_once(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut listener = args.listen.endpoint().bind().await?;
    let local = listener.local_address().clone();
    println!("listening on {local} ({})", args.listen);
    let client = match &args.connect {
        Some(client) => client.clone(),
        None => client_for(&local)?,
    };
    let server = async {
        let mut connection = listener.accept().await?;
        let mut buf = vec![0u8; 1024];
        let n = connection.read(&mut buf).await?;
        connection.write_all(&buf[..n]).await?;
        connection.shutdown().await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    let talk = async {
        let mut connection = client.endpoint().connect().await?;
        connection.write_all(b"hello through a flag").await?;
        let mut echoed = Vec::new();
        connection.read_to_end(&mut echoed).await?;
        Ok::<_, Box<dyn std::error::Error>>(echoed)
    };
    let ((), echoed) = tokio::try_join!(server, talk)?;
    println!("{client} echoed {:?}", String::from_utf8_lossy(&echoed));
    Ok(())
}

/// A client description that reaches `address`, for the listeners this can guess.
fn client_for(address: &Address) -> Result<ClientDescription, Box<dyn std::error::Error>> {
    let text = match address {
        Address::Inet(inet) => format!(
            "tcp:{}:{}",
            endpoints::quote(&inet.ip().to_string()),
            inet.port()
        ),
        Address::Unix(UnixAddress::Path(path)) => {
            format!("unix:{}", endpoints::quote(&path.to_string_lossy()))
        }
        other => return Err(format!("say --connect for {other}").into()),
    };
    Ok(text.parse()?)
}

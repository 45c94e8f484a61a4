//! Copying bytes between two streams, propagating half-close.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use endpoints::ws::WsInfo;
use endpoints::Connection;

use crate::failure::Failure;

/// Copies `reader` into `writer` until `reader` ends, then shuts `writer` down, so the
/// far end sees end-of-file too (half-close). Returns how many bytes were copied.
///
/// # Errors
/// The first read, write or shutdown error.
pub async fn forward<R, W>(mut reader: R, mut writer: W) -> std::io::Result<u64>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let copied = tokio::io::copy(&mut reader, &mut writer).await?;
    writer.shutdown().await?;
    Ok(copied)
}

/// Joins one connection to stdin and stdout, like netcat: stdin goes to the connection (whose
/// write half is shut down when stdin ends), the connection goes to stdout. Returns once both
/// directions have ended.
///
/// # Errors
/// [`Failure::Copy`] when either direction fails; the other direction is then dropped.
pub async fn join_stdio(connection: Connection) -> Result<(), Failure> {
    if connection.info().get::<WsInfo>().is_some() {
        return join_stdio_lingering(connection).await;
    }
    let (from_peer, to_peer) = tokio::io::split(connection);
    let sending = async {
        forward(tokio::io::stdin(), to_peer)
            .await
            .map_err(|e| Failure::copy("stdin to the connection", e))
    };
    let receiving = async {
        forward(from_peer, tokio::io::stdout())
            .await
            .map_err(|e| Failure::copy("the connection to stdout", e))
    };
    let (sent, received) = tokio::try_join!(sending, receiving)?;
    tracing::debug!(sent, received, "connection finished");
    Ok(())
}

/// How long a WebSocket connection stays open after stdin ends while the peer is quiet.
const LINGER: Duration = Duration::from_secs(1);

/// [`join_stdio`] for a connection with no half-close (WebSocket: closing it ends both
/// directions). When stdin ends, the connection stays open while the peer still sends, and
/// closes once the peer has ended or been quiet for [`LINGER`]; so a short request does not
/// cut off a long answer.
async fn join_stdio_lingering(connection: Connection) -> Result<(), Failure> {
    let (mut from_peer, mut to_peer) = tokio::io::split(connection);
    // Bumped for every chunk the peer sends; dropped when the peer's stream ends.
    let (activity, mut seen) = watch::channel(0u64);
    let sending = async move {
        let mut stdin = tokio::io::stdin();
        let copied = tokio::io::copy(&mut stdin, &mut to_peer).await?;
        to_peer.flush().await?;
        while let Ok(Ok(())) = tokio::time::timeout(LINGER, seen.changed()).await {}
        to_peer.shutdown().await?;
        std::io::Result::Ok(copied)
    };
    let receiving = async move {
        let mut stdout = tokio::io::stdout();
        let mut buffer = vec![0; 64 * 1024];
        let mut copied = 0u64;
        loop {
            let n = from_peer.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            stdout.write_all(&buffer[..n]).await?;
            stdout.flush().await?;
            copied += n as u64;
            activity.send_modify(|chunks| *chunks += 1);
        }
        drop(activity);
        stdout.shutdown().await?;
        std::io::Result::Ok(copied)
    };
    let (sent, received) = tokio::try_join!(
        async {
            sending
                .await
                .map_err(|e| Failure::copy("stdin to the connection", e))
        },
        async {
            receiving
                .await
                .map_err(|e| Failure::copy("the connection to stdout", e))
        }
    )?;
    tracing::debug!(sent, received, "websocket connection finished");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn forward_shuts_the_writer_down_at_end_of_input() -> std::io::Result<()> {
        let (mut near, far) = tokio::io::duplex(64);
        let copied = forward(&b"hello"[..], far).await?;
        assert_eq!(copied, 5);
        let mut received = Vec::new();
        near.read_to_end(&mut received).await?;
        assert_eq!(received, b"hello");
        Ok(())
    }
}

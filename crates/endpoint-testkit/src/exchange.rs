//! Bytes both ways between two ends of one connection.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Sends `message` from `a` to `b`, then back from `b` to `a`, checking the bytes each way
/// (flushing after each write, for the layers that buffer).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> endpoint_testkit::TestResult {
/// let (mut a, mut b) = tokio::io::duplex(64);
/// endpoint_testkit::exchange(&mut a, &mut b, b"both ways").await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// When a read or write fails.
///
/// # Panics
/// When the bytes that arrive differ from those sent.
pub async fn exchange<A, B>(a: &mut A, b: &mut B, message: &[u8]) -> std::io::Result<()>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    a.write_all(message).await?;
    a.flush().await?;
    let mut got = vec![0; message.len()];
    b.read_exact(&mut got).await?;
    assert_eq!(got, message);
    b.write_all(&got).await?;
    b.flush().await?;
    let mut back = vec![0; message.len()];
    a.read_exact(&mut back).await?;
    assert_eq!(back, message);
    Ok(())
}

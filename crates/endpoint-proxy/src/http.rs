//! The HTTP `CONNECT` client handshake (RFC 9110 §9.3.6), with Basic credentials
//! (RFC 7617). Written by hand: one request, one response head.

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Failure, ProxyProblem};

/// The longest response head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// The request: `CONNECT host:port HTTP/1.1` with `Host` and, with credentials,
/// `Proxy-Authorization: Basic ...`.
pub(crate) fn request(target: &str, credentials: Option<(&str, &str)>) -> Vec<u8> {
    let mut text = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some((user, password)) = credentials {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        text.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// Sends the request and reads the response head. Returns the bytes read past it (the
/// target's first bytes, if the proxy sent them in the same segment).
pub(crate) async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    request: &[u8],
    with_credentials: bool,
) -> Result<Vec<u8>, Failure> {
    io.write_all(request).await?;
    io.flush().await?;
    let mut buffer = Vec::with_capacity(1024);
    let end = loop {
        if let Some(end) = head_end(&buffer) {
            break end;
        }
        if buffer.len() >= MAX_HEAD {
            return Err(ProxyProblem::Malformed(format!(
                "its response head is longer than {MAX_HEAD} bytes"
            ))
            .into());
        }
        let mut chunk = [0u8; 1024];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(ProxyProblem::Closed.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let (code, reason) = status(&buffer[..end])?;
    match code {
        200..=299 => Ok(buffer[end..].to_vec()),
        // 407 is the standard answer; some proxies (tinyproxy 1.11 for a wrong password)
        // send 401 instead.
        401 | 407 if with_credentials => Err(ProxyProblem::BadCredentials.into()),
        401 | 407 => Err(ProxyProblem::CredentialsRequired.into()),
        _ => Err(ProxyProblem::Status { code, reason }.into()),
    }
}

/// Where the head ends (after its blank line).
fn head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// `HTTP/1.1 200 Connection established` → `(200, "Connection established")`.
fn status(head: &[u8]) -> Result<(u16, String), ProxyProblem> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end();
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(code) if version.starts_with("HTTP/1.") && (100..600).contains(&code) => {
            let reason: String = parts.next().unwrap_or("").chars().take(100).collect();
            Ok((code, reason))
        }
        _ => Err(ProxyProblem::Malformed(format!(
            "its status line is not HTTP/1.x: {:?}",
            line.chars().take(60).collect::<String>()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_bracket_ipv6_and_carry_basic_credentials() {
        let text = request("[::1]:443", Some(("user", "pass")));
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"
        );
    }

    #[test]
    fn status_lines() {
        assert_eq!(
            status(b"HTTP/1.0 200 Connection established\r\n\r\n").unwrap(),
            (200, "Connection established".into())
        );
        assert_eq!(
            status(b"HTTP/1.1 407\r\n\r\n").unwrap(),
            (407, String::new())
        );
        assert!(status(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }

    #[tokio::test]
    async fn bytes_past_the_head_are_kept() {
        let (mut client, mut server) = tokio::io::duplex(256);
        let proxy = async move {
            let mut buf = vec![0u8; request("h:1", None).len()];
            server.read_exact(&mut buf).await.unwrap();
            server
                .write_all(b"HTTP/1.1 200 OK\r\nX: y\r\n\r\nhello")
                .await
                .unwrap();
        };
        let sent = request("h:1", None);
        let (unread, ()) = tokio::join!(handshake(&mut client, &sent, false), proxy);
        assert_eq!(unread.unwrap(), b"hello");
    }
}

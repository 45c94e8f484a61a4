//! The SOCKS5 client handshake (RFC 1928), with username/password authentication
//! (RFC 1929). Written by hand: it is three small exchanges, and running it over the
//! `Connection` itself keeps a plain socket spliceable afterwards.

use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Failure, ProxyProblem, Stage};

const VERSION: u8 = 5;
const NO_AUTH: u8 = 0;
const USER_PASSWORD: u8 = 2;
const NONE_ACCEPTABLE: u8 = 0xFF;
const CONNECT: u8 = 1;
const ATYP_V4: u8 = 1;
const ATYP_NAME: u8 = 3;
const ATYP_V6: u8 = 4;

/// The destination as SOCKS5 sends it.
#[derive(Clone, Debug)]
pub(crate) enum Destination {
    Ip(SocketAddr),
    Name(String, u16),
}

/// User name and password (each at most 255 bytes, checked while parsing).
#[derive(Clone, Debug)]
pub(crate) struct Credentials<'a> {
    pub(crate) user: &'a str,
    pub(crate) password: &'a str,
}

/// Runs the handshake on `io`, updating `stage` as it goes (so a timeout can name it).
/// Returns the bound address the proxy reports.
pub(crate) async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    destination: &Destination,
    credentials: Option<Credentials<'_>>,
    stage: &mut Stage,
) -> Result<String, Failure> {
    *stage = Stage::Greeting;
    let methods: &[u8] = match credentials {
        Some(_) => &[NO_AUTH, USER_PASSWORD],
        None => &[NO_AUTH],
    };
    let mut greeting = vec![VERSION, methods.len() as u8];
    greeting.extend_from_slice(methods);
    io.write_all(&greeting).await?;
    io.flush().await?;
    let mut answer = [0u8; 2];
    io.read_exact(&mut answer).await?;
    if answer[0] != VERSION {
        return Err(malformed(format!("version {} instead of 5", answer[0])));
    }
    match (answer[1], &credentials) {
        (NO_AUTH, _) => {}
        (USER_PASSWORD, Some(credentials)) => {
            *stage = Stage::Auth;
            authenticate(io, credentials).await?;
        }
        (NONE_ACCEPTABLE, _) => {
            let mut offered = vec!["no authentication"];
            if credentials.is_some() {
                offered.push("username/password");
            }
            return Err(ProxyProblem::NoAcceptableMethod { offered }.into());
        }
        (other, _) => {
            return Err(malformed(format!(
                "it chose authentication method {other}, which was not offered"
            )))
        }
    }
    *stage = Stage::ConnectRequest;
    io.write_all(&connect_request(destination)).await?;
    io.flush().await?;
    let mut head = [0u8; 4];
    io.read_exact(&mut head).await?;
    if head[0] != VERSION {
        return Err(malformed(format!("version {} instead of 5", head[0])));
    }
    if head[1] != 0 {
        return Err(ProxyProblem::Reply { code: head[1] }.into());
    }
    read_address(io, head[3]).await
}

/// RFC 1929: version 1, the user name and the password, each with its length.
async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    credentials: &Credentials<'_>,
) -> Result<(), Failure> {
    let (user, password) = (credentials.user.as_bytes(), credentials.password.as_bytes());
    let mut request = Vec::with_capacity(3 + user.len() + password.len());
    request.push(1);
    request.push(user.len() as u8);
    request.extend_from_slice(user);
    request.push(password.len() as u8);
    request.extend_from_slice(password);
    io.write_all(&request).await?;
    io.flush().await?;
    let mut status = [0u8; 2];
    io.read_exact(&mut status).await?;
    match status {
        [1, 0] => Ok(()),
        [1, _] => Err(ProxyProblem::BadCredentials.into()),
        [v, _] => Err(malformed(format!("auth version {v} instead of 1"))),
    }
}

fn connect_request(destination: &Destination) -> Vec<u8> {
    let mut request = vec![VERSION, CONNECT, 0];
    let port = match destination {
        Destination::Ip(SocketAddr::V4(a)) => {
            request.push(ATYP_V4);
            request.extend_from_slice(&a.ip().octets());
            a.port()
        }
        Destination::Ip(SocketAddr::V6(a)) => {
            request.push(ATYP_V6);
            request.extend_from_slice(&a.ip().octets());
            a.port()
        }
        Destination::Name(name, port) => {
            request.push(ATYP_NAME);
            request.push(name.len() as u8);
            request.extend_from_slice(name.as_bytes());
            *port
        }
    };
    request.extend_from_slice(&port.to_be_bytes());
    request
}

/// Reads `BND.ADDR` and `BND.PORT` (so nothing of the reply is left for the application).
async fn read_address<S: AsyncRead + Unpin>(io: &mut S, atyp: u8) -> Result<String, Failure> {
    let host = match atyp {
        ATYP_V4 => {
            let mut a = [0u8; 4];
            io.read_exact(&mut a).await?;
            IpAddr::from(a).to_string()
        }
        ATYP_V6 => {
            let mut a = [0u8; 16];
            io.read_exact(&mut a).await?;
            format!("[{}]", IpAddr::from(a))
        }
        ATYP_NAME => {
            let len = io.read_u8().await?;
            let mut name = vec![0u8; usize::from(len)];
            io.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        other => return Err(malformed(format!("address type {other} in its reply"))),
    };
    let port = io.read_u16().await?;
    Ok(format!("{host}:{port}"))
}

fn malformed(what: String) -> Failure {
    Failure::Problem(ProxyProblem::Malformed(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_requests_carry_the_address_type() {
        let v6 = Destination::Ip("[::1]:443".parse().unwrap());
        let request = connect_request(&v6);
        assert_eq!(&request[..4], &[5, 1, 0, 4]);
        assert_eq!(request.len(), 4 + 16 + 2);
        let name = Destination::Name("example.com".into(), 443);
        assert_eq!(
            connect_request(&name),
            [&[5, 1, 0, 3, 11][..], b"example.com", &[1, 187]].concat()
        );
        let v4 = Destination::Ip("127.0.0.1:80".parse().unwrap());
        assert_eq!(connect_request(&v4), [5, 1, 0, 1, 127, 0, 0, 1, 0, 80]);
    }

    #[tokio::test]
    async fn a_refusal_is_its_reply_code() {
        let (mut client, mut server) = tokio::io::duplex(256);
        let proxy = async move {
            let mut buf = [0u8; 3];
            server.read_exact(&mut buf).await.unwrap();
            server.write_all(&[5, 0]).await.unwrap();
            let mut request = [0u8; 10];
            server.read_exact(&mut request).await.unwrap();
            server
                .write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
                .await
                .unwrap();
        };
        let destination = Destination::Ip("127.0.0.1:9".parse().unwrap());
        let mut stage = Stage::Greeting;
        let (outcome, ()) = tokio::join!(
            handshake(&mut client, &destination, None, &mut stage),
            proxy
        );
        assert!(matches!(
            outcome,
            Err(Failure::Problem(ProxyProblem::Reply { code: 5 }))
        ));
        assert_eq!(stage, Stage::ConnectRequest);
    }
}

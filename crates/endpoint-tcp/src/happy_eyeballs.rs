//! Racing connection attempts over several addresses (RFC 8305, "Happy Eyeballs v2").

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use socket2::SockRef;
use tokio::net::{TcpSocket, TcpStream};

use crate::socket_options::SocketOptions;
use tokio::time::{sleep_until, Instant};

/// Orders addresses as RFC 8305 §4 says: the family of the first address first, then
/// alternating families, each family keeping the resolver's order.
pub(crate) fn sort_rfc8305(addresses: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addresses.first() else {
        return addresses;
    };
    let prefer_v6 = first.is_ipv6();
    let (mut preferred, mut other): (VecDeque<SocketAddr>, VecDeque<SocketAddr>) =
        addresses.iter().partition(|a| a.is_ipv6() == prefer_v6);
    let mut sorted = Vec::with_capacity(addresses.len());
    loop {
        match (preferred.pop_front(), other.pop_front()) {
            (None, None) => return sorted,
            (a, b) => sorted.extend(a.into_iter().chain(b)),
        }
    }
}

/// Starts an attempt at the first address, then one more every `delay` or as soon as one
/// fails; the first to connect wins. Dropping the returned future (or returning) drops every
/// other attempt, which closes its socket.
///
/// Returns the stream and the address it reached, or the error of the last attempt to fail
/// when all fail.
pub(crate) async fn race(
    addresses: Vec<SocketAddr>,
    bind: Option<SocketAddr>,
    options: &SocketOptions,
    delay: Duration,
) -> io::Result<(TcpStream, SocketAddr)> {
    if let [only] = addresses[..] {
        // Nothing to race (an IP literal, one DNS answer).
        return connect_one(only, bind, options).await.map(|s| (s, only));
    }
    let mut waiting = addresses.into_iter();
    let mut attempts = FuturesUnordered::new();
    let mut last_error = None;
    let start = |address: SocketAddr| {
        tracing::trace!(%address, "starting connection attempt");
        async move { (address, connect_one(address, bind, options).await) }
    };
    if let Some(first) = waiting.next() {
        attempts.push(start(first));
    }
    let mut next_start = Instant::now() + delay;
    loop {
        if attempts.is_empty() && waiting.len() == 0 {
            return Err(last_error.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "no addresses to connect to")
            }));
        }
        tokio::select! {
            Some((address, result)) = attempts.next() => match result {
                Ok(stream) => return Ok((stream, address)),
                Err(e) => {
                    tracing::debug!(%address, error = %e, "connection attempt failed");
                    last_error = Some(e);
                    // A failure starts the next attempt at once (RFC 8305 §5).
                    if let Some(address) = waiting.next() {
                        attempts.push(start(address));
                        next_start = Instant::now() + delay;
                    }
                }
            },
            () = sleep_until(next_start), if waiting.len() > 0 => {
                if let Some(address) = waiting.next() {
                    attempts.push(start(address));
                }
                next_start = Instant::now() + delay;
            }
        }
    }
}

async fn connect_one(
    address: SocketAddr,
    bind: Option<SocketAddr>,
    options: &SocketOptions,
) -> io::Result<TcpStream> {
    let socket = if address.is_ipv6() {
        TcpSocket::new_v6()?
    } else {
        TcpSocket::new_v4()?
    };
    options.apply_to_client(&SockRef::from(&socket))?;
    if let Some(bind) = bind {
        socket.bind(bind)?;
    }
    socket.connect(address).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaves_families_starting_with_the_first() {
        let a: Vec<SocketAddr> = [
            "[::1]:1",
            "[::2]:1",
            "[::3]:1",
            "127.0.0.1:1",
            "127.0.0.2:1",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let sorted: Vec<String> = sort_rfc8305(a).iter().map(|s| s.to_string()).collect();
        assert_eq!(
            sorted,
            [
                "[::1]:1",
                "127.0.0.1:1",
                "[::2]:1",
                "127.0.0.2:1",
                "[::3]:1"
            ]
        );
    }
}

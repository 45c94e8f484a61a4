//! Handing a bound listening socket from a listener that stops to the next one that binds the
//! same address, so that a reload which rebinds an address refuses no connection.
//!
//! A [`ListeningPort`](crate::ListeningPort) keeps a duplicate of its listening socket; a
//! program that replaces a listener by another on the same address
//! [offers](offer) the old socket here before binding the new endpoint. A transport that binds
//! that address (the `tcp` kinds, under any layers) [takes](take) the offered socket instead
//! of making one, so connections waiting in its backlog are accepted by the new listener and
//! the address is never unbound. What nobody takes is [withdrawn](withdraw) and closed.
//!
//! The stash is process-wide because the bind happens deep under layers (`tls:` over `tcp:`)
//! that have no other way to be told; only sockets explicitly offered are ever used.

use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::sync::{Mutex, PoisonError};

static OFFERED: Mutex<Vec<(SocketAddr, OwnedFd)>> = Mutex::new(Vec::new());

/// Offers a bound, listening socket for the next bind of `address`.
pub fn offer(address: SocketAddr, socket: OwnedFd) {
    OFFERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((address, socket));
}

/// Takes the socket offered for exactly `address`, if any (a transport calls this before
/// making a socket of its own). Port 0 never matches: it asks for a new port.
pub fn take(address: SocketAddr) -> Option<OwnedFd> {
    if address.port() == 0 {
        return None;
    }
    let mut offered = OFFERED.lock().unwrap_or_else(PoisonError::into_inner);
    let at = offered.iter().position(|(a, _)| *a == address)?;
    Some(offered.swap_remove(at).1)
}

/// Closes what was offered for `address` and not taken.
pub fn withdraw(address: SocketAddr) {
    OFFERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|(a, _)| *a != address);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_address_takes_an_offered_socket() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        offer(address, OwnedFd::from(listener));
        let other = SocketAddr::from(([127, 0, 0, 2], address.port()));
        assert!(take(other).is_none());
        assert!(take(SocketAddr::from(([127, 0, 0, 1], 0))).is_none());
        assert!(take(address).is_some());
        assert!(take(address).is_none());
        withdraw(address);
    }
}

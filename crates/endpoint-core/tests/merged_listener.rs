//! A merged listener (`Listener::merge`): a failed listener is dropped, the others keep
//! serving and take turns.

use std::io;
use std::task::{Context, Poll};

use endpoint_core::{
    Accept, Address, Connection, ConnectionInfo, Listener, ListenerSource, Result,
};

/// Gives the queued results in order, then waits forever.
struct Script(Vec<io::Result<()>>, &'static str);

impl Accept for Script {
    fn poll_accept(&mut self, _: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        if self.0.is_empty() {
            return Poll::Pending;
        }
        Poll::Ready(self.0.remove(0).map(|()| {
            let here = Address::Other(self.1.into());
            let info = ConnectionInfo::new("test", here.clone(), here);
            Connection::new(tokio::io::empty(), info)
        }))
    }
    fn local_address(&self) -> Address {
        Address::Other(self.1.into())
    }
}

fn fatal() -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::InvalidInput, "gone"))
}

fn index(connection: &Connection) -> Option<usize> {
    connection.info().get::<ListenerSource>().map(|s| s.index)
}

#[tokio::test]
async fn a_failed_listener_is_dropped_and_the_others_keep_serving() -> Result<()> {
    let a = Listener::new(Script(vec![fatal()], "a"), "a");
    let b = Listener::new(Script(vec![Ok(()), Ok(())], "b"), "b");
    let mut both = Listener::merge(vec![a, b]);
    assert_eq!(both.description(), "a, b");
    assert_eq!(index(&both.accept().await?), Some(1));
    assert_eq!(index(&both.accept().await?), Some(1));
    Ok(())
}

#[tokio::test]
async fn after_a_failed_listener_every_other_one_is_still_polled() -> Result<()> {
    let a = Listener::new(Script(vec![], "a"), "a");
    let b = Listener::new(Script(vec![fatal()], "b"), "b");
    let c = Listener::new(Script(vec![Ok(())], "c"), "c");
    let d = Listener::new(Script(vec![Ok(())], "d"), "d");
    let mut all = Listener::merge(vec![a, b, c, d]);
    let mut got = vec![index(&all.accept().await?), index(&all.accept().await?)];
    got.sort();
    assert_eq!(got, [Some(2), Some(3)]);
    Ok(())
}

#[tokio::test]
async fn accepting_takes_turns_and_ends_with_the_last_listener() -> Result<()> {
    let a = Listener::new(Script(vec![Ok(()), Ok(()), fatal()], "a"), "a");
    let b = Listener::new(Script(vec![Ok(()), fatal()], "b"), "b");
    let mut both = Listener::merge(vec![a, b]);
    let mut order = Vec::new();
    for _ in 0..3 {
        order.push(index(&both.accept().await?));
    }
    assert_eq!(order, [Some(0), Some(1), Some(0)]);
    assert!(both.accept().await.is_err());
    Ok(())
}

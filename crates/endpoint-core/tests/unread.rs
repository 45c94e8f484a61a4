//! `Connection::with_unread`: the bytes a layer read past its handshake come first.

use endpoint_core::{Address, Connection, ConnectionInfo};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn prefix_then_inner() {
    let here = || Address::Other("here".into());
    let info = ConnectionInfo::new("test", here(), here());
    let inner = Connection::new(std::io::Cursor::new(b"def".to_vec()), info);
    let mut s = inner.with_unread(b"abc".to_vec());
    let mut small = [0u8; 2];
    s.read_exact(&mut small).await.unwrap();
    assert_eq!(&small, b"ab");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, b"cdef");
}

//! Who is at the other end of a unix connection.

use tokio::net::UnixStream;

/// The process, user and group at the other end of a unix connection, as the kernel saw them
/// when the connection was made (`SO_PEERCRED`).
///
/// Every connection accepted or made by the `unix` kind carries these in its
/// [`ConnectionInfo`](crate::ConnectionInfo) when the OS reports them; the `allowUid=` and
/// `allowGid=` server options ([`Admission`](crate::Admission)) judge them. Defined in core so
/// that listeners can judge them whatever transport read them; `endpoint_unix` re-exports it.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoint_core::{ClientEndpoint, PeerCredentials, ServerEndpoint};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("creds.sock");
/// let description = format!("unix:{}", path.display());
/// let mut listener = endpoints::server_from_string(&description)?.bind().await?;
/// let client = endpoints::client_from_string(&description)?;
/// let (server, _client) = tokio::try_join!(listener.accept(), client.connect())?;
/// let peer = server.info().get::<PeerCredentials>().expect("linux reports credentials");
/// assert_eq!(peer.pid, Some(std::process::id() as i32));
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "SO_PEERCRED")]
#[doc(alias = "ucred")]
#[non_exhaustive]
pub struct PeerCredentials {
    /// The peer's process id, where the OS reports it (Linux does; some BSDs do not).
    pub pid: Option<i32>,
    /// The peer's effective user id.
    pub uid: u32,
    /// The peer's effective group id.
    pub gid: u32,
}

impl PeerCredentials {
    /// Credentials as a transport read them (for transports other than `unix` that know
    /// their peer's user, and for tests).
    pub fn new(pid: Option<i32>, uid: u32, gid: u32) -> Self {
        PeerCredentials { pid, uid, gid }
    }
}

impl PeerCredentials {
    /// Reads the credentials of `stream`'s peer.
    ///
    /// # Errors
    /// The OS error when the platform cannot report them.
    pub fn of(stream: &UnixStream) -> std::io::Result<Self> {
        let cred = stream.peer_cred()?;
        Ok(PeerCredentials {
            pid: cred.pid(),
            uid: cred.uid(),
            gid: cred.gid(),
        })
    }
}

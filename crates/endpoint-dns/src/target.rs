//! A pool member: a `tcp:` connection to one target of a DNS answer, which records the
//! target it reached.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{Args, Description};
use endpoint_core::{
    Authority, BoxFuture, ClientEndpoint, Connection, EgressPolicy, Reached, Result,
};
use endpoint_tcp::{parse_bind_address, Resolve, TcpClientEndpoint, TcpSocketSettings};

use crate::answer::Record;

/// What every member of one pool shares: tcp's per-connection settings and the registry's
/// egress policy.
#[derive(Clone)]
pub(crate) struct MemberSettings {
    pub timeout: Duration,
    pub bind_address: Option<SocketAddr>,
    pub socket: TcpSocketSettings,
    pub egress: Option<EgressPolicy>,
}

impl MemberSettings {
    /// Reads `timeout`, `bindAddress` and tcp's client socket options, and takes the
    /// egress policy of the registry that is parsing.
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        Ok(MemberSettings {
            timeout: args.get("timeout")?,
            bind_address: args
                .get_optional_with("bindAddress", parse_bind_address)?
                .flatten(),
            socket: TcpSocketSettings::from_args(args)?,
            egress: args.registry().egress().cloned(),
        })
    }

    /// The member for `record`: a tcp client to its host and port (the name's addresses given
    /// by `resolver`, every address checked by the egress policy, as tcp does), reporting
    /// `reached` as the authority it reached.
    pub(crate) fn member(
        &self,
        record: &Record,
        reached: Authority,
        resolver: Arc<dyn Resolve>,
    ) -> TargetEndpoint {
        let mut tcp = TcpClientEndpoint::new(record.host.as_str(), record.port)
            .timeout(self.timeout)
            .socket(self.socket.clone())
            .resolver(resolver);
        if let Some(bind) = self.bind_address {
            tcp = tcp.bind_address(bind);
        }
        if let Some(policy) = &self.egress {
            tcp = tcp.egress(policy.clone());
        }
        TargetEndpoint { tcp, reached }
    }

    /// Writes the member options into a pool's description.
    pub(crate) fn write(&self, text: Description) -> Description {
        let bind = self.bind_address.map(|a| {
            if a.port() == 0 {
                a.ip().to_string()
            } else {
                a.to_string()
            }
        });
        let text = text
            .seconds("timeout", self.timeout)
            .option_some("bindAddress", bind);
        self.socket.write(text)
    }
}

impl PartialEq for MemberSettings {
    /// The egress policy comes from the registry, not the description: not compared.
    fn eq(&self, other: &Self) -> bool {
        (self.timeout, self.bind_address, &self.socket)
            == (other.timeout, other.bind_address, &other.socket)
    }
}

impl fmt::Debug for MemberSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemberSettings")
            .field("timeout", &self.timeout)
            .field("bind_address", &self.bind_address)
            .field("socket", &self.socket)
            .field("egress", &self.egress.is_some())
            .finish()
    }
}

/// One target of a DNS answer: a tcp client whose connections carry [`Reached`] with the
/// target's name, so `tls+srv:` verifies each target by its own name.
#[derive(Clone)]
pub struct TargetEndpoint {
    tcp: TcpClientEndpoint,
    reached: Authority,
}

impl TargetEndpoint {
    /// The authority connections through this member record as [`Reached`].
    pub fn reached(&self) -> &Authority {
        &self.reached
    }
}

impl ClientEndpoint for TargetEndpoint {
    /// Connects as tcp does, then records the target in the connection's
    /// [`ConnectionInfo`](endpoint_core::ConnectionInfo).
    ///
    /// # Cancel safety
    /// As tcp's: dropping the future closes every socket it opened.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            let mut connection = self.tcp.connect().await?;
            connection.info_mut().insert(Reached(self.reached.clone()));
            Ok(connection)
        })
    }

    fn authority(&self) -> Option<Authority> {
        Some(self.reached.clone())
    }

    fn description(&self) -> Description {
        self.tcp.description()
    }
}

impl fmt::Display for TargetEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tcp.fmt(f)
    }
}

impl fmt::Debug for TargetEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetEndpoint")
            .field("tcp", &self.tcp)
            .field("reached", &self.reached)
            .finish()
    }
}

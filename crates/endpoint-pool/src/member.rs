//! A member of a pool: an upstream client endpoint with its weight and priority.

use std::fmt;
use std::sync::Arc;

use endpoint_core::ClientEndpoint;

/// One upstream of a [`Pool`](crate::Pool): a client endpoint (with all its layers: a
/// `tls+tcp:` member handshakes on every connect) plus how the balancer treats it.
///
/// A member is identified by its [`description`](ClientEndpoint::description) value: when a
/// [watched](crate::Pool::watching) list changes, a member whose description is still in the
/// list keeps its health and connection counts, whatever its new weight or priority.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use endpoint_pool::Member;
/// # let endpoint: Arc<dyn endpoint_core::ClientEndpoint> =
/// #     Arc::new(endpoint_tcp::TcpClientEndpoint::new("127.0.0.1", 8080));
/// let member = Member::new(endpoint).weight(3).priority(1);
/// assert_eq!((member.weight_value(), member.priority_value()), (3, 1));
/// ```
#[derive(Clone)]
pub struct Member {
    pub(crate) endpoint: Arc<dyn ClientEndpoint>,
    pub(crate) weight: u32,
    pub(crate) priority: u32,
}

impl Member {
    /// A member of weight 1 and priority 0.
    pub fn new(endpoint: Arc<dyn ClientEndpoint>) -> Self {
        Member {
            endpoint,
            weight: 1,
            priority: 0,
        }
    }

    /// Its share under [`Balance::Weighted`](crate::Balance::Weighted) (and its capacity
    /// under [`Balance::LeastConnections`](crate::Balance::LeastConnections)): a member of
    /// weight 3 gets three connections for another's one. 0 is taken as 1, so no member is
    /// configured out of the pool by accident.
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight.max(1);
        self
    }

    /// Its group under [`Balance::Failover`](crate::Balance::Failover): lower first. Members
    /// of a higher priority get connections only while every member of lower ones is down.
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = priority;
        self
    }

    /// The endpoint it connects with.
    pub fn endpoint(&self) -> &Arc<dyn ClientEndpoint> {
        &self.endpoint
    }

    /// Its weight (at least 1).
    pub fn weight_value(&self) -> u32 {
        self.weight
    }

    /// Its priority (lower first).
    pub fn priority_value(&self) -> u32 {
        self.priority
    }
}

impl From<Arc<dyn ClientEndpoint>> for Member {
    fn from(endpoint: Arc<dyn ClientEndpoint>) -> Self {
        Member::new(endpoint)
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("endpoint", &self.endpoint.to_string())
            .field("weight", &self.weight)
            .field("priority", &self.priority)
            .finish()
    }
}

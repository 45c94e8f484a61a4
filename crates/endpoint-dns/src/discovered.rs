//! What `srv:` and `dns:` share: a query, its last good answer, and the members built from
//! it, tried in RFC 2782's order.

use std::fmt;
use std::sync::{Arc, RwLock};

use endpoint_core::{Authority, Connection, Error, Result};

use crate::discovery::{Discovery, DiscoveryStatus, Record};
use crate::order::rfc2782;
use crate::resolver::{Dns, Fixed, Query};
use crate::target::{MemberSettings, TargetEndpoint};

/// One member with the priority and weight its record gave it.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub endpoint: Arc<TargetEndpoint>,
    pub priority: u16,
    pub weight: u16,
}

/// The running part of a pool: resolver, discovery and current members.
pub(crate) struct Discovered {
    discovery: Arc<Discovery>,
    members: Arc<RwLock<Arc<Vec<Member>>>>,
}

impl Discovered {
    /// A pool that resolves `query` with `dns` (lazily) and builds members with `settings`.
    /// `reached` names the authority a member's connections record.
    pub(crate) fn new(
        dns: Arc<Dns>,
        query: Query,
        settings: MemberSettings,
        label: String,
        reached: fn(&Query, &Record) -> Authority,
    ) -> Self {
        let members: Arc<RwLock<Arc<Vec<Member>>>> = Arc::default();
        let publish = {
            let members = Arc::clone(&members);
            let query = query.clone();
            Box::new(move |records: &[Record]| {
                let built = records
                    .iter()
                    .map(|r| Member {
                        endpoint: Arc::new(settings.member(
                            r,
                            reached(&query, r),
                            Arc::new(Fixed(r.addresses.clone())),
                        )),
                        priority: r.priority,
                        weight: r.weight,
                    })
                    .collect();
                *members.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(built);
            })
        };
        Discovered {
            discovery: Arc::new(Discovery::new(dns, query, label, publish)),
            members,
        }
    }

    pub(crate) fn status(&self) -> DiscoveryStatus {
        self.discovery.status()
    }

    pub(crate) fn members(&self) -> Arc<Vec<Member>> {
        Arc::clone(&self.members.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Resolves if needed, then tries the members in RFC 2782's order until one connects.
    pub(crate) async fn connect(&self, endpoint: &(dyn fmt::Display + Sync)) -> Result<Connection> {
        self.discovery
            .ready()
            .await
            .map_err(|e| Error::io("resolve", endpoint, e))?;
        let members = self.members();
        let weights: Vec<(u16, u16)> = members.iter().map(|m| (m.priority, m.weight)).collect();
        let mut last = None;
        for i in rfc2782(&weights) {
            let member = &members[i].endpoint;
            match endpoint_core::ClientEndpoint::connect(&**member).await {
                Ok(connection) => return Ok(connection),
                Err(e) => {
                    tracing::debug!(pool = %endpoint, member = %member, error = %e, "member failed");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            Error::io(
                "connect to",
                endpoint,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the DNS answer has no members",
                ),
            )
        }))
    }
}

//! `endpoint relay --route NAME=CLIENT`: routing by the server name the client asked for.
//!
//! With `--route`, every positional is a SERVER. clap puts the last positional in the
//! CLIENT slot whatever it is, so that slot takes a server description too when it is not a
//! client one (as with `--to`), and [`resolve`] sorts them out once every flag is known.

use std::sync::Arc;

use endpoints::sni::{routable, SniRouter};
use endpoints::{ClientDescription, ClientEndpoint, ServerDescription};

use crate::failure::Failure;

/// One `--route NAME=CLIENT`: the name (`a.example`, `*.b.example`, `default`) and where its
/// connections go.
pub fn parse_route(text: &str) -> Result<(String, ClientDescription), String> {
    let Some((name, client)) = text.split_once('=') else {
        return Err(format!(
            "--route {:?}: expected NAME=CLIENT (a.example=tcp:10.0.0.1:443, \
             '*.b.example=...', default=...)",
            endpoints::core::printable(text)
        ));
    };
    let client = client
        .parse::<ClientDescription>()
        .map_err(|e| format!("--route {name}: {e}"))?;
    Ok((name.to_string(), client))
}

/// The servers to listen on and the client to connect through: the positionals and CLIENT
/// as given, or, with routes, every positional a server and an [`SniRouter`] of the routes.
///
/// # Errors
/// A route whose name is not a host name, wildcard or `default`, or given twice; a last
/// positional that is a client description or not a server description; a server that
/// cannot know the server name (neither `sni+` nor TLS).
pub fn resolve(
    servers: &[ServerDescription],
    (last, last_client): (&str, Option<&ClientDescription>),
    routes: &[(String, ClientDescription)],
) -> Result<(Vec<ServerDescription>, Arc<dyn ClientEndpoint>), Failure> {
    if let Some(client) = last_client {
        return Err(Failure::Usage(format!(
            "with --route, every positional is a SERVER, and {client} is a client \
             description: give its route a name (--route default={client})"
        )));
    }
    let last = last
        .parse::<ServerDescription>()
        .map_err(Failure::Endpoint)?;
    let mut all = servers.to_vec();
    all.push(last);
    if let Some(server) = all.iter().find(|s| !routable(&s.description())) {
        return Err(Failure::Usage(format!(
            "--route chooses by the server name the client asks for, which {server} does not \
             read: listen with sni+ (sni+tcp:443) or a TLS server (tls:...)"
        )));
    }
    let mut router = SniRouter::new();
    for (name, client) in routes {
        router = router
            .route(name, Arc::clone(client.endpoint()))
            .map_err(|e| Failure::Usage(format!("--route {e}")))?;
    }
    Ok((all, Arc::new(router)))
}

//! `endpoint relay --route NAME=CLIENT`: routing by the server name the client asked for.
//!
//! With `--route`, every positional is a SERVER. clap puts the last positional in the
//! CLIENT slot whatever it is (a multi-valued SERVER must be followed by a required CLIENT),
//! so that slot takes a server description too when it is not a client one, and
//! [`resolve`] sorts them out once every flag is known.

use std::ffi::OsStr;
use std::sync::Arc;

use clap::builder::TypedValueParser;
use clap::{Arg, Command};
use endpoints::core::clap::ClientValueParser;
use endpoints::sni::{routable, SniRouter};
use endpoints::{ClientDescription, ClientEndpoint, ServerDescription};

use crate::failure::Failure;

/// The last positional of `endpoint relay`: the CLIENT, or, with `--route`, one more SERVER.
#[derive(Clone, Debug)]
pub enum RelayTarget {
    /// A client description: where every connection goes (without `--route`).
    Client(ClientDescription),
    /// Not a client description but a server one: the last SERVER when `--route` is given;
    /// without it, the client error stands.
    Server(ServerDescription, String),
}

/// Parses the CLIENT slot: as a client description, else as a server one (keeping the
/// client error for when there is no `--route`), else clap's error for the client.
#[derive(Clone, Debug, Default)]
pub struct TargetParser;

impl TypedValueParser for TargetParser {
    type Value = RelayTarget;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<RelayTarget, clap::Error> {
        match ClientValueParser::new().parse_ref(cmd, arg, value) {
            Ok(client) => Ok(RelayTarget::Client(client)),
            Err(error) => match value.to_str().map(str::parse::<ServerDescription>) {
                Some(Ok(server)) => Ok(RelayTarget::Server(server, error.to_string())),
                _ => Err(error),
            },
        }
    }
}

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
/// A CLIENT that is not a client description (without routes); a route whose name is not a
/// host name, wildcard or `default`, or given twice; with routes, a last positional that is
/// not a server description, or a server that cannot know the server name (neither `sni+`
/// nor TLS).
pub fn resolve(
    servers: &[ServerDescription],
    target: &RelayTarget,
    routes: &[(String, ClientDescription)],
) -> Result<(Vec<ServerDescription>, Arc<dyn ClientEndpoint>), Failure> {
    if routes.is_empty() {
        return match target {
            RelayTarget::Client(client) => Ok((servers.to_vec(), Arc::clone(client.endpoint()))),
            RelayTarget::Server(_, error) => Err(Failure::Usage(
                error.trim_end().trim_start_matches("error: ").to_string(),
            )),
        };
    }
    let last = match target {
        RelayTarget::Server(server, _) => server.clone(),
        RelayTarget::Client(client) => {
            return Err(Failure::Usage(format!(
                "with --route, every positional is a SERVER, and {client} is a client \
                 description: give its route a name (--route default={client})"
            )))
        }
    };
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

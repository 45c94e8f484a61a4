//! The `ws://` and `wss://` URL forms, and the options that may follow them
//! (`ws://host/chat:messages=text`).

use endpoint_core::description::quote;
use endpoint_core::{Error, Result, Side, UrlForm};

endpoint_core::inventory::submit! {
    UrlForm::new("ws", "ws://HOST[:PORT]/PATH?QUERY[:OPTIONS] = ws+tcp:HOST:PORT:ws.path=/PATH?QUERY[:OPTIONS] (port 80)", rewrite_ws)
}

endpoint_core::inventory::submit! {
    UrlForm::new("wss", "wss://HOST[:PORT]/PATH?QUERY[:OPTIONS] = ws+tls:HOST:PORT:ws.path=...[:OPTIONS] (port 443; clients only)", rewrite_wss)
}

/// A URL split into what the descriptions need.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Url {
    /// The host, without IPv6 brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Path and query (`/` when the URL has none); the fragment is dropped.
    pub(crate) target: String,
}

fn bad(url: &str, position: usize, message: impl Into<String>) -> Error {
    Error::Parse {
        input: url.to_owned(),
        position,
        message: message.into(),
        suggestion: None,
    }
}

/// Parses `scheme://host[:port][/path][?query][#fragment]`.
pub(crate) fn parse(url: &str, default_port: u16) -> Result<Url> {
    let (_, rest) = url
        .split_once("://")
        .ok_or_else(|| bad(url, 0, "not a URL"))?;
    let start = url.len() - rest.len();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(bad(
            url,
            start,
            "a websocket URL takes no user name or password",
        ));
    }
    let (host, port) = if let Some(after) = authority.strip_prefix('[') {
        let close = after
            .find(']')
            .ok_or_else(|| bad(url, start, "an IPv6 host needs its closing \"]\""))?;
        let port = &after[close + 1..];
        let port = match port.strip_prefix(':') {
            Some(p) => Some(p),
            None if port.is_empty() => None,
            None => return Err(bad(url, start, "expected \":PORT\" after \"]\"")),
        };
        (&after[..close], port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad(url, start, "the URL has no host"));
    }
    let port = match port {
        None | Some("") => default_port,
        Some(p) => endpoint_core::description::parse_port(p).map_err(|m| {
            bad(
                url,
                start + authority.len() - p.len(),
                format!("the port {m}"),
            )
        })?,
    };
    let tail = tail.split('#').next().unwrap_or_default();
    let target = match tail {
        "" => "/".to_owned(),
        t if t.starts_with('?') => format!("/{t}"),
        t => t.to_owned(),
    };
    Ok(Url {
        host: host.to_owned(),
        port,
        target,
    })
}

/// Splits a URL from the options written after it, Twisted-style: the URL ends at the
/// first `:` after its host that is followed by `NAME=` (`ws://h/chat:messages=text`). A `:`
/// in a path or query that is followed by `NAME=` must be written `%3A` to stay in the URL
/// (otherwise the options are an unknown option, an error, never a silent change). A URL with
/// userinfo is left whole, for [`parse`] to refuse.
fn split_options(url: &str) -> (&str, Option<&str>) {
    let Some((_, rest)) = url.split_once("://") else {
        return (url, None);
    };
    let start = url.len() - rest.len();
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..authority_end].contains('@') {
        return (url, None);
    }
    // Past a bracketed IPv6 host, whose colons are its own.
    let from = match rest.strip_prefix('[').and_then(|r| r.find(']')) {
        Some(close) => start + close + 2,
        None => start,
    };
    for (i, _) in url[from..].match_indices(':') {
        let at = from + i;
        let after = &url[at + 1..];
        let name = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(after.len());
        let starts_name = after.starts_with(|c: char| c.is_ascii_alphabetic());
        if starts_name && after[name..].starts_with('=') {
            return (&url[..at], Some(after));
        }
    }
    (url, None)
}

/// `:OPTIONS` to append to the rewritten description, or nothing.
fn tail(options: Option<&str>) -> String {
    options.map(|o| format!(":{o}")).unwrap_or_default()
}

fn rewrite_ws(url: &str, side: Side) -> Result<String> {
    let (url, options) = split_options(url);
    let u = parse(url, 80)?;
    match side {
        Side::Client => Ok(format!(
            "ws+tcp:{}:{}:ws.path={}{}",
            quote(&u.host),
            u.port,
            quote(&u.target),
            tail(options)
        )),
        Side::Server => {
            if u.target.contains('?') {
                return Err(bad(
                    url,
                    url.find('?').unwrap_or(0),
                    "a server URL takes no query (the server matches the path only)",
                ));
            }
            Ok(format!(
                "ws+tcp:{}:interface={}:ws.path={}{}",
                u.port,
                quote(&u.host),
                quote(&u.target),
                tail(options)
            ))
        }
    }
}

fn rewrite_wss(url: &str, side: Side) -> Result<String> {
    let (url, options) = split_options(url);
    let u = parse(url, 443)?;
    match side {
        Side::Client => Ok(format!(
            "ws+tls:{}:{}:ws.path={}{}",
            quote(&u.host),
            u.port,
            quote(&u.target),
            tail(options)
        )),
        Side::Server => Err(bad(
            url,
            0,
            "a wss:// URL cannot name the certificate a server needs; \
             write wss:PORT:privateKey=FILE:path=/PATH instead",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_urls() {
        assert_eq!(
            rewrite_ws("ws://example.com/chat?room=1#x", Side::Client).unwrap(),
            r"ws+tcp:example.com:80:ws.path=/chat?room\=1"
        );
        assert_eq!(
            rewrite_ws("ws://[::1]:8080", Side::Client).unwrap(),
            r"ws+tcp:\:\:1:8080:ws.path=/"
        );
        assert_eq!(
            rewrite_ws("WS://h:9?q", Side::Client).unwrap(),
            "ws+tcp:h:9:ws.path=/?q"
        );
        assert_eq!(
            rewrite_wss("wss://example.com/x", Side::Client).unwrap(),
            "ws+tls:example.com:443:ws.path=/x"
        );
    }

    #[test]
    fn server_urls() {
        assert_eq!(
            rewrite_ws("ws://0.0.0.0:8080/path", Side::Server).unwrap(),
            "ws+tcp:8080:interface=0.0.0.0:ws.path=/path"
        );
        assert!(rewrite_ws("ws://0.0.0.0:8080/p?q", Side::Server).is_err());
        assert!(rewrite_wss("wss://0.0.0.0/p", Side::Server).is_err());
    }

    #[test]
    fn options_follow_the_url() {
        assert_eq!(
            rewrite_ws("ws://h:8080/chat?x=1:messages=text", Side::Client).unwrap(),
            r"ws+tcp:h:8080:ws.path=/chat?x\=1:messages=text"
        );
        assert_eq!(
            rewrite_ws("ws://h:messages=text:timeout=5", Side::Client).unwrap(),
            "ws+tcp:h:80:ws.path=/:messages=text:timeout=5"
        );
        assert_eq!(
            rewrite_ws("ws://[::1]:9/p:messages=text", Side::Client).unwrap(),
            r"ws+tcp:\:\:1:9:ws.path=/p:messages=text"
        );
        assert_eq!(
            rewrite_ws("ws://0.0.0.0:8080/chat:messages=text", Side::Server).unwrap(),
            "ws+tcp:8080:interface=0.0.0.0:ws.path=/chat:messages=text"
        );
        assert_eq!(
            rewrite_wss("wss://h/p:messages=text", Side::Client).unwrap(),
            "ws+tls:h:443:ws.path=/p:messages=text"
        );
        // A colon not followed by NAME= stays in the URL.
        assert_eq!(
            rewrite_ws("ws://h/v1/x:stream?t=12:30", Side::Client).unwrap(),
            r"ws+tcp:h:80:ws.path=/v1/x\:stream?t\=12\:30"
        );
        // Userinfo is refused, not taken for options.
        assert!(rewrite_ws("ws://u:pass=1@h/", Side::Client).is_err());
    }

    #[test]
    fn bad_urls() {
        for url in [
            "ws://",
            "ws://u:p@h/",
            "ws://[::1/",
            "ws://h:http/",
            "ws://h:70000/",
            "ws://[::1]x/",
        ] {
            assert!(parse(url, 80).is_err(), "{url}");
        }
    }
}

//! Proxy URLs as curl writes them (`socks5h://user:password@host:1080`): the `proxy=` value
//! of a description, and what `ALL_PROXY`/`HTTPS_PROXY`/`http_proxy` hold.
//!
//! A URL stands for a nested description and the layer's options: `socks5://u:p@h:1080` is
//! `proxy=tcp\:h\:1080:user=u:password=p:resolve=local`. Messages never quote the URL: it may
//! hold a password.

use std::fmt;

use endpoint_core::description::{parse_host, quote};
use endpoint_core::Authority;

/// The protocol a proxy URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `socks5://`: SOCKS5, the name resolved here (curl's meaning).
    Socks5,
    /// `socks5h://`: SOCKS5, the proxy resolving the name.
    Socks5h,
    /// `http://`: HTTP `CONNECT`.
    Http,
}

impl Scheme {
    /// The layer that speaks it.
    pub(crate) fn layer(self) -> &'static str {
        match self {
            Scheme::Socks5 | Scheme::Socks5h => "socks5",
            Scheme::Http => "httpconnect",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Socks5 => "socks5",
            Scheme::Socks5h => "socks5h",
            Scheme::Http => "http",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.as_str())
    }
}

/// A parsed proxy URL. `Debug` leaves the credentials out.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ProxyUrl {
    pub(crate) scheme: Scheme,
    pub(crate) proxy: Authority,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("scheme", &self.scheme)
            .field("proxy", &self.proxy)
            .field("credentials", &self.user.is_some())
            .finish()
    }
}

/// The port a proxy URL without one means: curl's (its `--proxy` documentation: "assumed to
/// be 1080"), for every scheme.
pub(crate) const DEFAULT_PORT: u16 = 1080;

/// True when `text` is written as a proxy URL (`socks5://`, `socks5h://`, `http://`, any
/// case; also the proxy schemes curl knows and these layers refuse, `https://`, `socks4://`,
/// `socks4a://`, so they get a clear error) rather than a nested description, which may be
/// a URL form of its own (`ws://host/path`).
pub(crate) fn is_proxy_url(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        ["socks5", "socks5h", "http", "https", "socks4", "socks4a"]
            .iter()
            .any(|known| scheme.eq_ignore_ascii_case(known))
    })
}

impl ProxyUrl {
    /// Parses `[scheme://][user[:password]@]host[:port][/]`; without a scheme it is `http://`
    /// when `bare_is_http` (as curl reads the environment), else an error.
    ///
    /// # Errors
    /// A reason that never quotes the text (it may hold a password): an unknown scheme, a
    /// path, a bad host or port, bad percent-encoding.
    pub(crate) fn parse(text: &str, bare_is_http: bool) -> Result<Self, String> {
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (parse_scheme(scheme)?, rest),
            None if bare_is_http => (Scheme::Http, text),
            None => return Err("is not a proxy URL (socks5://, socks5h:// or http://)".into()),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(format!(
                "has a path, query or fragment; a {scheme} proxy URL is \
                 {scheme}[USER[:PASSWORD]@]HOST[:PORT]"
            ));
        }
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(userinfo) => {
                let (user, password) = match userinfo.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (userinfo, None),
                };
                let user = percent_decode(user).ok_or("has a bad %-escape in its user name")?;
                let password = password
                    .map(|p| percent_decode(p).ok_or("has a bad %-escape in its password"))
                    .transpose()?;
                (Some(user), password)
            }
        };
        let proxy = parse_host_port(hostport)?;
        Ok(ProxyUrl {
            scheme,
            proxy,
            user,
            password,
        })
    }

    /// The nested description the URL's address stands for: `tcp:HOST:PORT`, escaped for
    /// parsing (an IPv6 address written bare, as `tcp:` takes it).
    pub(crate) fn description(&self) -> String {
        format!("tcp:{}:{}", quote(self.proxy.host()), self.proxy.port())
    }
}

fn parse_scheme(scheme: &str) -> Result<Scheme, String> {
    match scheme.to_ascii_lowercase().as_str() {
        "socks5" => Ok(Scheme::Socks5),
        "socks5h" => Ok(Scheme::Socks5h),
        "http" => Ok(Scheme::Http),
        _ => Err(format!(
            "has the scheme \"{}\", which is not socks5://, socks5h:// or http:// (socks4, \
             https:// proxies and others are not supported)",
            endpoint_core::printable(scheme)
        )),
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; a missing port is [`DEFAULT_PORT`].
fn parse_host_port(text: &str) -> Result<Authority, String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("has a '[' without its ']' around an IPv6 address")?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err("has text after the ']' of its IPv6 address".into()),
            },
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let host = parse_host(host).map_err(|e| format!("has a host that {}", e.reason()))?;
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0 && port.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                format!(
                    "has a port that is not 1 to 65535: \"{}\"",
                    endpoint_core::printable(port)
                )
            })?,
    };
    Ok(Authority::new(host, port))
}

/// Decodes `%XX` escapes (user names and passwords in URLs); `None` for a bad escape or
/// bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> ProxyUrl {
        ProxyUrl::parse(text, false).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn each_scheme_with_and_without_credentials() {
        let url = parsed("socks5h://alice:s%40cret@127.0.0.1:1081");
        assert_eq!(url.scheme, Scheme::Socks5h);
        assert_eq!(url.proxy, Authority::new("127.0.0.1", 1081));
        assert_eq!(url.user.as_deref(), Some("alice"));
        assert_eq!(url.password.as_deref(), Some("s@cret"));
        assert_eq!(url.description(), r"tcp:127.0.0.1:1081");

        let url = parsed("SOCKS5://proxy.example");
        assert_eq!(url.scheme, Scheme::Socks5);
        assert_eq!(url.proxy, Authority::new("proxy.example", DEFAULT_PORT));
        assert_eq!(url.user, None);

        let url = parsed("http://bob@[::1]:3128/");
        assert_eq!(url.scheme, Scheme::Http);
        assert_eq!(url.proxy, Authority::new("::1", 3128));
        assert_eq!(url.user.as_deref(), Some("bob"));
        assert_eq!(url.password, None);
        assert_eq!(url.description(), r"tcp:\:\:1:3128");
    }

    #[test]
    fn the_environment_may_leave_the_scheme_out() {
        let url = ProxyUrl::parse("proxy.internal:3128", true).unwrap();
        assert_eq!(url.scheme, Scheme::Http);
        assert_eq!(url.proxy, Authority::new("proxy.internal", 3128));
        assert!(ProxyUrl::parse("proxy.internal:3128", false).is_err());
    }

    #[test]
    fn bad_urls_are_refused_without_quoting_the_password() {
        for text in [
            "socks4://u:s3cret@h:1080",
            "https://u:s3cret@h:443",
            "http://u:s3cret@h:1080/path",
            "http://u:s3cret@h:0",
            "http://u:s3cret@h:99999",
            "http://u:s3cret@h:+80",
            "http://u:s3cret@h\r\n:80",
            "http://u:s3cret@[::1:80",
            "http://u:s3cret%zz@h:80",
            "http://u:s3cret%+f@h:80",
            "http://u:s3cret%é@h:80",
            "http://u:s3cret@:80",
        ] {
            let error = ProxyUrl::parse(text, true).expect_err(text);
            assert!(!error.contains("s3cret"), "{text}: {error}");
        }
    }

    #[test]
    fn only_proxy_schemes_are_proxy_urls() {
        assert!(is_proxy_url("socks5://h:1080"));
        assert!(is_proxy_url("HTTP://h"));
        assert!(!is_proxy_url("ws://h:80/path"));
        assert!(!is_proxy_url(r"tcp:127.0.0.1:1080"));
        assert!(!is_proxy_url(r"unix:/run/p.sock"));
        assert!(!is_proxy_url("env"));
    }

    #[test]
    fn debug_leaves_credentials_out() {
        let text = format!("{:?}", parsed("socks5://u:s3cret@h:1080"));
        assert!(
            !text.contains("s3cret") && !text.contains("\"u\""),
            "{text}"
        );
    }
}

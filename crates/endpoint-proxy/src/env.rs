//! `proxy=env`: the proxy the environment names for a target, as curl reads it.
//!
//! Which variable: a target on port 80 is what curl calls `http://` and reads `http_proxy`
//! (lowercase only: curl ignores `HTTP_PROXY`, which a CGI request could set); any other
//! port is tunnelled the way `https://` is and reads `https_proxy`, then `HTTPS_PROXY`. Then
//! `all_proxy`, then `ALL_PROXY`. An empty variable is unset. `no_proxy` (then `NO_PROXY`)
//! lists targets reached directly: `*` for every one, host names matching themselves and
//! their subdomains (a leading dot optional, any case), IP addresses, and CIDR blocks
//! (`10.0.0.0/8`, `::1/128`) for IP targets; names are not resolved to match it.
//!
//! The lookup is a parameter, so tests give a map instead of changing the process's
//! environment.

use std::net::IpAddr;

use endpoint_core::description::parse_cidr;
use endpoint_core::Authority;

use crate::url::ProxyUrl;

/// What the environment says for one target.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Connect to the target directly: no variable names a proxy for it, or `no_proxy` lists
    /// it.
    Direct,
    /// Through this proxy, named by the variable `from`.
    Proxy { url: ProxyUrl, from: &'static str },
}

/// The variables naming a proxy for `target`, in the order curl reads them.
fn proxy_variables(target: &Authority) -> &'static [&'static str] {
    if target.port() == 80 {
        &["http_proxy", "all_proxy", "ALL_PROXY"]
    } else {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    }
}

/// What the environment (read through `lookup`) says for `target`.
///
/// # Errors
/// The variable's name and why its value is not a proxy URL; the value itself is never
/// quoted (it may hold a password).
pub(crate) fn choose(
    lookup: &dyn Fn(&str) -> Option<String>,
    target: &Authority,
) -> Result<Choice, String> {
    let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let found = proxy_variables(target)
        .iter()
        .find_map(|&name| set(name).map(|value| (name, value)));
    let Some((from, value)) = found else {
        return Ok(Choice::Direct);
    };
    let no_proxy = set("no_proxy").or_else(|| set("NO_PROXY"));
    if no_proxy.is_some_and(|list| excluded(&list, target)) {
        return Ok(Choice::Direct);
    }
    let url = ProxyUrl::parse(value.trim(), true)
        .map_err(|reason| format!("the proxy URL in {from} {reason}"))?;
    Ok(Choice::Proxy { url, from })
}

/// Whether `no_proxy`'s `list` names `target`.
pub(crate) fn excluded(list: &str, target: &Authority) -> bool {
    let host = target.host().trim_end_matches('.').to_ascii_lowercase();
    let ip = target.ip();
    list.split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| entry == "*" || matches(entry, &host, ip))
}

/// Whether one `no_proxy` entry matches a target host (lowercase, no final dot).
fn matches(entry: &str, host: &str, ip: Option<IpAddr>) -> bool {
    match ip {
        Some(ip) => {
            let entry = entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .unwrap_or(entry);
            if entry.contains('/') {
                parse_cidr(entry).is_ok_and(|net| net.contains(&ip))
            } else {
                entry.parse::<IpAddr>().is_ok_and(|e| e == ip)
            }
        }
        None => {
            let entry = entry.trim_start_matches('.').trim_end_matches('.');
            let entry = entry.to_ascii_lowercase();
            !entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(entry.as_str())
                        .is_some_and(|rest| rest.ends_with('.')))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::url::Scheme;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn via(pairs: &[(&str, &str)], host: &str, port: u16) -> Option<(&'static str, String)> {
        match choose(&env(pairs), &Authority::new(host, port)).unwrap() {
            Choice::Direct => None,
            Choice::Proxy { url, from } => Some((from, url.proxy.to_string())),
        }
    }

    #[test]
    fn the_variable_follows_the_target_s_port_as_curl_reads_them() {
        let all = [
            ("http_proxy", "http://h1:1"),
            ("HTTP_PROXY", "http://h2:2"),
            ("https_proxy", "http://h3:3"),
            ("HTTPS_PROXY", "http://h4:4"),
            ("all_proxy", "socks5h://h5:5"),
            ("ALL_PROXY", "socks5://h6:6"),
        ];
        assert_eq!(
            via(&all, "example.com", 80),
            Some(("http_proxy", "h1:1".into()))
        );
        assert_eq!(
            via(&all, "example.com", 443),
            Some(("https_proxy", "h3:3".into()))
        );
        assert_eq!(
            via(&all, "example.com", 22),
            Some(("https_proxy", "h3:3".into()))
        );
        // Uppercase HTTP_PROXY is never read; all_proxy comes next.
        assert_eq!(
            via(&all[1..], "example.com", 80),
            Some(("all_proxy", "h5:5".into()))
        );
        assert_eq!(
            via(&all[3..], "example.com", 443),
            Some(("HTTPS_PROXY", "h4:4".into()))
        );
        assert_eq!(
            via(&all[5..], "example.com", 443),
            Some(("ALL_PROXY", "h6:6".into()))
        );
        assert_eq!(
            via(&[("HTTP_PROXY", "http://h2:2")], "example.com", 80),
            None
        );
        // Empty is unset.
        assert_eq!(
            via(
                &[("https_proxy", " "), ("ALL_PROXY", "h:3128")],
                "e.com",
                443
            ),
            Some(("ALL_PROXY", "h:3128".into()))
        );
        assert_eq!(via(&[], "example.com", 443), None);
    }

    #[test]
    fn no_proxy_names_hosts_suffixes_addresses_and_blocks() {
        let proxy = ("all_proxy", "socks5h://127.0.0.1:1080");
        let direct = |no_proxy: &str, host: &str| {
            let lower = via(&[proxy, ("no_proxy", no_proxy)], host, 443).is_none();
            let upper = via(&[proxy, ("NO_PROXY", no_proxy)], host, 443).is_none();
            assert_eq!(lower, upper, "{no_proxy} {host}");
            lower
        };
        assert!(direct("*", "anything.example"));
        assert!(direct("*", "10.1.2.3"));
        assert!(direct("example.com", "example.com"));
        assert!(direct("example.com", "api.example.com"));
        assert!(direct(".example.com", "api.EXAMPLE.com"));
        assert!(direct("EXAMPLE.COM.", "example.com."));
        assert!(!direct("example.com", "badexample.com"));
        assert!(!direct("api.example.com", "example.com"));
        assert!(direct("localhost, 127.0.0.1,::1", "127.0.0.1"));
        assert!(direct("localhost 127.0.0.1 ::1", "::1"));
        assert!(direct("[::1]", "::1"));
        assert!(direct("10.0.0.0/8", "10.200.0.1"));
        assert!(!direct("10.0.0.0/8", "11.0.0.1"));
        assert!(direct("fd00::/8", "fd12::1"));
        // Names are not resolved, and a block matches addresses only.
        assert!(!direct("127.0.0.0/8", "localhost"));
        assert!(!direct("localhost", "127.0.0.1"));
        assert!(!direct("", "example.com"));
        assert!(!direct(",, ,", "example.com"));
        assert!(!direct("*.example.com", "api.example.com"));
        // Lowercase wins over uppercase.
        assert!(via(
            &[proxy, ("no_proxy", "other"), ("NO_PROXY", "example.com")],
            "example.com",
            443
        )
        .is_some());
    }

    #[test]
    fn credentials_and_schemes_come_from_the_url() {
        let Choice::Proxy { url, .. } = choose(
            &env(&[("ALL_PROXY", "socks5://alice:s3cret@127.0.0.1:1080")]),
            &Authority::new("example.com", 443),
        )
        .unwrap() else {
            panic!("expected a proxy")
        };
        assert_eq!(url.scheme, Scheme::Socks5);
        assert_eq!(url.user.as_deref(), Some("alice"));
        assert_eq!(url.password.as_deref(), Some("s3cret"));
    }

    #[test]
    fn a_bad_value_names_the_variable_not_the_password() {
        let error = choose(
            &env(&[("https_proxy", "ftp://alice:s3cret@h:21")]),
            &Authority::new("example.com", 443),
        )
        .unwrap_err();
        assert!(error.contains("https_proxy"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
        // An excluded target never reads the bad value.
        let direct = choose(
            &env(&[("https_proxy", "ftp://h"), ("no_proxy", "example.com")]),
            &Authority::new("example.com", 443),
        );
        assert_eq!(direct, Ok(Choice::Direct));
    }
}

//! SRV names: `_service._proto.domain` (RFC 2782), checked when a description is parsed.

/// Checks an SRV name: two labels that start with `_` (the service and the protocol), then
/// the domain, every label a DNS label (letters, digits, `-`, `_`; 1–63 bytes).
///
/// # Errors
/// A reason for [`Args::convert`](endpoint_core::description::Args::convert)-style errors,
/// and the corrected name to suggest when the underscores were left out (`http.tcp.example.com`
/// → `_http._tcp.example.com`).
pub(crate) fn check_srv_name(name: &str) -> Result<(), (String, Option<String>)> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = bare.split('.').collect();
    let form = "an SRV name is _service._proto.domain, like _https._tcp.example.com";
    if let Some(bad) = labels.iter().find(|l| !is_label(l)) {
        let reason = format!(
            "is not an SRV name: \"{}\" has the label \"{}\", which is not a DNS label; {form}",
            endpoint_core::printable(name),
            endpoint_core::printable(bad)
        );
        return Err((reason, None));
    }
    let underscored = |l: &&str| l.len() > 1 && l.starts_with('_');
    if labels.len() >= 3 && labels[..2].iter().all(underscored) {
        return Ok(());
    }
    let suggestion = match labels.as_slice() {
        [service, proto, domain @ ..] => {
            let fix = |l: &str| format!("_{}", l.trim_start_matches('_'));
            let domain = if domain.is_empty() {
                "example.com".to_owned()
            } else {
                domain.join(".")
            };
            Some(format!("{}.{}.{domain}", fix(service), fix(proto)))
        }
        _ => None,
    };
    let reason = format!(
        "is not an SRV name: \"{}\"; {form}",
        endpoint_core::printable(name)
    );
    Err((reason, suggestion))
}

fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The domain an SRV name is for (`example.com` for `_https._tcp.example.com`).
pub(crate) fn domain_of(name: &str) -> &str {
    let bare = name.strip_suffix('.').unwrap_or(name);
    bare.splitn(3, '.').nth(2).unwrap_or(bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srv_names() {
        assert!(check_srv_name("_https._tcp.example.com").is_ok());
        assert!(check_srv_name("_x._tcp.svc.test.").is_ok());
        assert!(check_srv_name("_ldap._tcp.dc._msdcs.corp").is_ok());
        let (reason, suggestion) = check_srv_name("http.tcp").unwrap_err();
        assert!(reason.contains("_service._proto.domain"), "{reason}");
        assert_eq!(suggestion.as_deref(), Some("_http._tcp.example.com"));
        let (_, suggestion) = check_srv_name("http._tcp.example.com").unwrap_err();
        assert_eq!(suggestion.as_deref(), Some("_http._tcp.example.com"));
        assert_eq!(check_srv_name("example").unwrap_err().1, None);
        assert!(check_srv_name("_a._tcp..com").is_err());
        assert!(check_srv_name("_a._tcp.ex ample.com").is_err());
        assert_eq!(domain_of("_https._tcp.example.com."), "example.com");
    }
}

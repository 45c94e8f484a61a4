//! What this `endpoint` binary was built with, for `endpoint --version`: a bug report then
//! says which kinds, layers and features were linked, not only the version number.

use endpoints::Registry;

/// The text after `endpoint ` for `--version`: the version, then one line each for the
/// facade's features (and the CLI's own), the base kinds, the layers, the shorthands and the
/// URL forms of `registry`, so the list is what is linked, never a list kept by hand.
pub fn long_version(registry: &Registry) -> String {
    let mut features = endpoints::features();
    if cfg!(feature = "throttle") {
        features.push("throttle");
    }
    let mut kinds: Vec<&str> = registry
        .kinds()
        .iter()
        .filter(|k| !k.is_layer())
        .map(|k| k.name)
        .collect();
    let mut layers: Vec<String> = registry
        .kinds()
        .iter()
        .filter(|k| k.is_layer())
        .map(|k| format!("{}+", k.name))
        .collect();
    let mut shorthands: Vec<&str> = registry.shorthands().iter().map(|s| s.name).collect();
    let mut urls: Vec<String> = registry
        .url_forms()
        .iter()
        .map(|u| format!("{}://", u.scheme))
        .collect();
    for list in [&mut kinds, &mut shorthands] {
        list.sort_unstable();
        list.dedup();
    }
    for list in [&mut layers, &mut urls] {
        list.sort_unstable();
        list.dedup();
    }
    format!(
        "{}\nfeatures: {}\nkinds: {}\nlayers: {}\nshorthands: {}\nURL forms: {}",
        env!("CARGO_PKG_VERSION"),
        features.join(", "),
        kinds.join(", "),
        layers.join(", "),
        shorthands.join(", "),
        urls.join(", "),
    )
}

/// What the shell may complete a description argument of `side` with: every kind that
/// starts a description on that side followed by its separator (`tcp:`, `tls+`), and the
/// URL forms (`ws://`; the rewrite decides per side what it accepts). `None` for both sides
/// (`describe`).
pub fn description_starts(registry: &Registry, side: Option<endpoints::Side>) -> Vec<String> {
    let on_side = |s: endpoints::Side| side.is_none_or(|wanted| wanted == s);
    let mut starts: Vec<String> = registry
        .kinds()
        .iter()
        .filter(|k| on_side(k.side()))
        .map(|k| format!("{}{}", k.name, if k.is_layer() { "+" } else { ":" }))
        .chain(
            registry
                .shorthands()
                .iter()
                .filter(|s| on_side(s.side))
                .map(|s| format!("{}:", s.name)),
        )
        .chain(
            registry
                .url_forms()
                .iter()
                .map(|u| format!("{}://", u.scheme)),
        )
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_lists_what_is_linked() {
        let text = long_version(Registry::global());
        assert!(text.starts_with(env!("CARGO_PKG_VERSION")), "{text}");
        let features = text.lines().nth(1).unwrap_or_default();
        // The CLI turns these on (Cargo.toml), beside the facade's defaults.
        for feature in ["tcp", "tls", "proxy", "exec", "quic", "serde", "clap"] {
            assert!(features.contains(feature), "{features}");
        }
        assert!(text.contains("\nlayers: "), "{text}");
        assert!(text.contains("socks5+"), "{text}");
    }

    #[test]
    fn description_starts_follow_the_side() {
        let registry = Registry::global();
        let server = description_starts(registry, Some(endpoints::Side::Server));
        let client = description_starts(registry, Some(endpoints::Side::Client));
        assert!(server.contains(&"tcp:".to_owned()) && server.contains(&"haproxy+".to_owned()));
        assert!(!server.contains(&"socks5+".to_owned()));
        assert!(client.contains(&"socks5+".to_owned()) && client.contains(&"ws://".to_owned()));
        assert!(!client.contains(&"stdio:".to_owned()));
    }
}

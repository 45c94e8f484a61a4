//! What this build of the facade was compiled with, for programs that report it
//! (`endpoint --version`).

/// Every feature of the facade's Cargo.toml (except `default`) and whether it is on, in the
/// order Cargo.toml lists them; a unit test checks the list against Cargo.toml.
const FEATURES: [(&str, bool); 17] = [
    ("tcp", cfg!(feature = "tcp")),
    ("unix", cfg!(feature = "unix")),
    ("tls", cfg!(feature = "tls")),
    ("ws", cfg!(feature = "ws")),
    ("haproxy", cfg!(feature = "haproxy")),
    ("sni", cfg!(feature = "sni")),
    ("proxy", cfg!(feature = "proxy")),
    ("pool", cfg!(feature = "pool")),
    ("exec", cfg!(feature = "exec")),
    ("quic", cfg!(feature = "quic")),
    ("dns", cfg!(feature = "dns")),
    ("axum", cfg!(feature = "axum")),
    ("hyper", cfg!(feature = "hyper")),
    ("tonic", cfg!(feature = "tonic")),
    ("serde", cfg!(feature = "serde")),
    ("clap", cfg!(feature = "clap")),
    ("tungstenite", cfg!(feature = "tungstenite")),
];

/// The Cargo features this build of the facade was compiled with, in the order its
/// Cargo.toml lists them (`["tcp", "unix", ..., "exec", "quic", "serde"]`), so a program can
/// say what it was built with: `endpoint --version` prints them for bug reports.
///
/// # Examples
/// ```
/// // The default features are on in this doctest's build.
/// assert!(endpoints::features().contains(&"tcp"));
/// ```
pub fn features() -> Vec<&'static str> {
    FEATURES
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::FEATURES;

    /// A feature added to Cargo.toml but not here would be missing from every report.
    #[test]
    fn the_list_is_cargo_toml_s() {
        let manifest = include_str!("../Cargo.toml");
        let section = manifest
            .split("[features]")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .expect("Cargo.toml has a [features] table");
        let declared: Vec<&str> = section
            .lines()
            .filter_map(|line| line.split_once(" = ["))
            .map(|(name, _)| name.trim())
            .filter(|name| *name != "default")
            .collect();
        let listed: Vec<&str> = FEATURES.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed, declared);
    }
}

//! What the descriptions of a command may reach: the egress guard (`--egress`,
//! `--egress-allow`) and the kind allow-list (`--allow-kinds`). One clap struct, flattened
//! into every command that connects (`connect`, `relay` and `serve`).
//!
//! clap parses the descriptions into endpoints with the program-wide registry, so that
//! registry must carry the guard before clap runs: [`prescan`] reads these flags out of the
//! raw command line first (as `logging::prescan` does for `-v`), with the same parsers clap
//! then uses to check them and to show them in `--help`.

use std::ffi::OsString;

use clap::Args;
use endpoints::core::description::parse_cidr_list;
use endpoints::core::{EgressPolicy, IpNet};
use endpoints::Registry;

/// The guard flags of the commands that connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[non_exhaustive]
pub struct GuardArgs {
    /// Which addresses clients may connect to, checked after name resolution: `public`
    /// (refuse loopback, private, link-local, unique-local, multicast, unspecified, cloud
    /// metadata and reserved addresses), `any` (the default), or a comma-separated list of
    /// those classes to refuse (`loopback,cloud-metadata`).
    #[arg(long, value_name = "public|any|CLASS,...", value_parser = parse_egress)]
    pub egress: Option<EgressPolicy>,

    /// Networks `--egress` lets through whatever their class, as comma-separated CIDRs
    /// (`10.1.0.0/16,fd12::/16`); may be repeated.
    #[arg(long, value_name = "CIDR,...", requires = "egress", value_parser = parse_cidrs)]
    pub egress_allow: Vec<Vec<IpNet>>,

    /// Accept only these kinds in descriptions, nested ones included (`tcp,tls,ws`); a
    /// shorthand (`wss`) is accepted when the kinds it stands for are.
    #[arg(long, value_name = "KIND,...", value_delimiter = ',', value_parser = parse_kind)]
    pub allow_kinds: Option<Vec<String>>,
}

impl GuardArgs {
    /// Puts the guard on `registry`: the kind allow-list, and the egress policy with its
    /// exceptions (`--egress any` sets none).
    pub fn apply(&self, registry: &mut Registry) {
        if let Some(kinds) = &self.allow_kinds {
            let names: Vec<&str> = kinds.iter().map(|k| k.trim()).collect();
            registry.allow_only(&names);
        }
        if let Some(policy) = &self.egress {
            let policy = policy
                .clone()
                .allow_all(self.egress_allow.iter().flatten().copied());
            if policy != EgressPolicy::new() {
                registry.guard_egress(policy);
            }
        }
    }
}

fn parse_egress(text: &str) -> Result<EgressPolicy, String> {
    text.parse().map_err(|e| format!("--egress {e}"))
}

fn parse_cidrs(text: &str) -> Result<Vec<IpNet>, String> {
    parse_cidr_list(text).map_err(|e| format!("--egress-allow {e}"))
}

/// A kind's name, checked against every kind linked in. Not through `Registry::global()`:
/// [`prescan`] runs before the program-wide registry is set, and must not fix it.
fn parse_kind(text: &str) -> Result<String, String> {
    let name = text.trim();
    let registry = Registry::from_inventory();
    let kinds = registry.kinds();
    if kinds.iter().any(|k| k.name.eq_ignore_ascii_case(name)) {
        return Ok(name.to_owned());
    }
    let mut known: Vec<&str> = kinds.iter().map(|k| k.name).collect();
    known.sort_unstable();
    known.dedup();
    Err(format!(
        "--allow-kinds: no kind is named {:?} (known: {})",
        endpoints::core::printable(name),
        known.join(", ")
    ))
}

/// Reads the guard flags out of the command line (program name first) before clap parses
/// it, up to a `--`: `--egress VALUE`, `--egress=VALUE`, and the same for `--egress-allow`
/// and `--allow-kinds`.
///
/// `None` when a value does not parse: clap then refuses the command line with its own
/// message (exit status 2), so nothing runs unguarded. A word is read as one of these flags
/// only where clap would read it as one (no option of the command takes a value that starts
/// with `-`); a test checks this agrees with clap.
pub fn prescan(args: impl IntoIterator<Item = OsString>) -> Option<GuardArgs> {
    let mut guard = GuardArgs::default();
    let mut args = args.into_iter().skip(1);
    while let Some(arg) = args.next() {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (arg, None),
        };
        if !matches!(flag, "--egress" | "--egress-allow" | "--allow-kinds") {
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => args.next()?.into_string().ok()?,
        };
        match flag {
            "--egress" => guard.egress = Some(parse_egress(&value).ok()?),
            "--egress-allow" => guard.egress_allow.push(parse_cidrs(&value).ok()?),
            _ => {
                let names: Option<Vec<String>> =
                    value.split(',').map(|n| parse_kind(n).ok()).collect();
                guard
                    .allow_kinds
                    .get_or_insert_with(Vec::new)
                    .extend(names?);
            }
        }
    }
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Command;

    #[test]
    fn prescan_agrees_with_clap() {
        use clap::Parser;
        for line in [
            "endpoint connect tcp:example.com:80",
            "endpoint connect --egress public tcp:example.com:80",
            "endpoint connect --egress=loopback,private tcp:example.com:80",
            "endpoint -v connect --egress public --egress-allow 10.0.0.0/8,::1 tcp:h:80",
            "endpoint connect --egress any --egress-allow=10.0.0.0/8 --egress-allow fd00::/8 tcp:h:80",
            "endpoint connect --allow-kinds tcp,tls tcp:h:80",
            "endpoint connect --allow-kinds=tcp --allow-kinds tls tcp:h:80",
            "endpoint relay --retry 5s --egress public --allow-kinds tcp tcp:0 tcp:h:80",
        ] {
            let words: Vec<OsString> = line.split(' ').map(OsString::from).collect();
            let cli = crate::cli::Cli::try_parse_from(&words).expect(line);
            let from_clap = match cli.command {
                Command::Connect(args) => args.guard,
                Command::Relay(args) => args.guard,
                other => panic!("{line}: {other:?}"),
            };
            assert_eq!(prescan(words), Some(from_clap), "{line}");
        }
    }

    #[test]
    fn a_bad_value_leaves_the_refusal_to_clap() {
        use clap::Parser;
        for line in [
            "endpoint connect --egress nowhere tcp:h:80",
            "endpoint connect --egress public --egress-allow 10.0.0.0/33 tcp:h:80",
            "endpoint connect --egress-allow 10.0.0.0/8 tcp:h:80",
            "endpoint connect tcp:h:80 --egress",
            "endpoint connect --allow-kinds tcp,tpc tcp:h:80",
        ] {
            let words: Vec<OsString> = line.split(' ').map(OsString::from).collect();
            assert!(crate::cli::Cli::try_parse_from(&words).is_err(), "{line}");
        }
        let words = |line: &str| line.split(' ').map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            prescan(words("endpoint connect --egress nowhere tcp:h:80")),
            None
        );
        assert_eq!(prescan(words("endpoint connect tcp:h:80 --egress")), None);
        assert_eq!(
            prescan(words("endpoint connect --allow-kinds tpc tcp:h:80")),
            None
        );
    }

    #[test]
    fn the_guard_reaches_the_registry() {
        let guard = prescan(
            "endpoint connect --egress public --egress-allow 127.0.0.2 --allow-kinds tcp,tls x"
                .split(' ')
                .map(OsString::from),
        )
        .expect("parses");
        let mut registry = Registry::from_inventory();
        guard.apply(&mut registry);
        let policy = registry.egress().expect("a policy");
        assert!(policy.check("127.0.0.2".parse().unwrap()).is_ok());
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_err());
        assert!(policy.check("64:ff9b::a9fe:a9fe".parse().unwrap()).is_err());
        assert!(registry.client("tls:h:443").is_ok());
        assert!(registry.client("unix:/run/x.sock").is_err());
        let mut open = Registry::from_inventory();
        GuardArgs::default().apply(&mut open);
        assert!(open.egress().is_none());
    }
}

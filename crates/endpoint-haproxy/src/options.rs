//! The layer's settings: accepted versions (trusted proxies are [`endpoint_core::IpNet`]s,
//! parsed by [`endpoint_core::description::parse_cidr_list`]).

use std::fmt;
use std::str::FromStr;

use endpoint_core::description::FromOption;

/// Which PROXY protocol versions the layer accepts (`version=1`, `2` or `any`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Versions {
    /// Only the text header (`PROXY TCP4 ...\r\n`).
    V1,
    /// Only the binary header.
    V2,
    /// Either (the default).
    #[default]
    Any,
}

impl Versions {
    /// True if a header of `version` (1 or 2) is accepted.
    pub fn accepts(self, version: u8) -> bool {
        matches!(
            (self, version),
            (Versions::Any, _) | (Versions::V1, 1) | (Versions::V2, 2)
        )
    }
}

impl fmt::Display for Versions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Versions::V1 => "1",
            Versions::V2 => "2",
            Versions::Any => "any",
        })
    }
}

impl FromStr for Versions {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1" => Ok(Versions::V1),
            "2" => Ok(Versions::V2),
            "any" => Ok(Versions::Any),
            other => Err(format!(
                "is not a PROXY protocol version: \"{other}\" (use 1, 2 or any)"
            )),
        }
    }
}

impl FromOption for Versions {
    fn from_option(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

/// Which PROXY protocol version the `haproxy+` client layer sends (`version=1` or `2`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HeaderVersion {
    /// The text header (`PROXY TCP4 ...\r\n`): addresses only.
    V1,
    /// The binary header, with TLVs (the default, as HAProxy's `send-proxy-v2`).
    #[default]
    V2,
}

impl fmt::Display for HeaderVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderVersion::V1 => "1",
            HeaderVersion::V2 => "2",
        })
    }
}

impl FromStr for HeaderVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1" => Ok(HeaderVersion::V1),
            "2" => Ok(HeaderVersion::V2),
            other => Err(format!(
                "is not a PROXY protocol version to send: \"{other}\" (use 1 or 2)"
            )),
        }
    }
}

impl FromOption for HeaderVersion {
    fn from_option(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(Versions::Any.accepts(1) && Versions::Any.accepts(2));
        assert!(Versions::V1.accepts(1) && !Versions::V1.accepts(2));
        assert_eq!("2".parse::<Versions>(), Ok(Versions::V2));
        assert!("3".parse::<Versions>().is_err());
    }

    #[test]
    fn header_versions() {
        assert_eq!("1".parse::<HeaderVersion>(), Ok(HeaderVersion::V1));
        assert_eq!(HeaderVersion::default().to_string(), "2");
        let error = "any".parse::<HeaderVersion>().unwrap_err();
        assert!(error.contains("use 1 or 2"), "{error}");
    }
}

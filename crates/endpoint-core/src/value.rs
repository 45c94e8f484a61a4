//! Descriptions as plain values: parse with `FromStr`, print with `Display`, and (with the
//! `serde` feature) load from configuration files as strings.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::error::Error;
use crate::registry::Registry;

/// A parsed server description: what a configuration field such as `listen = "tcp:8080"`
/// holds. Parsing uses every kind linked into the program ([`Registry::global`]); `Display`
/// prints the canonical description.
///
/// # Examples
/// ```
/// use endpoint_core::ServerDescription;
/// // With no transport linked, every kind is unknown; the error names the string.
/// let error = "tpc:8080".parse::<ServerDescription>().unwrap_err();
/// assert!(error.to_string().contains("\"tpc:8080\""));
/// ```
#[derive(Clone, Debug)]
pub struct ServerDescription(Arc<dyn ServerEndpoint>);

/// A parsed client description (`connect = "tls:example.com:443"`); see
/// [`ServerDescription`].
#[derive(Clone, Debug)]
pub struct ClientDescription(Arc<dyn ClientEndpoint>);

impl ServerDescription {
    /// Wraps an endpoint parsed elsewhere (with a registry of one's own).
    #[cfg(feature = "clap")]
    pub(crate) fn from_endpoint(endpoint: Arc<dyn ServerEndpoint>) -> Self {
        ServerDescription(endpoint)
    }

    /// The endpoint, ready to `bind`.
    pub fn endpoint(&self) -> &Arc<dyn ServerEndpoint> {
        &self.0
    }

    /// Gives the endpoint back.
    pub fn into_endpoint(self) -> Arc<dyn ServerEndpoint> {
        self.0
    }
}

impl ClientDescription {
    /// Wraps an endpoint parsed elsewhere (with a registry of one's own).
    #[cfg(feature = "clap")]
    pub(crate) fn from_endpoint(endpoint: Arc<dyn ClientEndpoint>) -> Self {
        ClientDescription(endpoint)
    }

    /// The endpoint, ready to `connect`.
    pub fn endpoint(&self) -> &Arc<dyn ClientEndpoint> {
        &self.0
    }

    /// Gives the endpoint back.
    pub fn into_endpoint(self) -> Arc<dyn ClientEndpoint> {
        self.0
    }
}

impl FromStr for ServerDescription {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Registry::global().server(s).map(ServerDescription)
    }
}

impl FromStr for ClientDescription {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Registry::global().client(s).map(ClientDescription)
    }
}

impl fmt::Display for ServerDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for ClientDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for ServerDescription {
    /// Equal when their canonical descriptions are.
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl PartialEq for ClientDescription {
    /// Equal when their canonical descriptions are.
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use super::{ClientDescription, ServerDescription};

    macro_rules! as_string {
        ($type:ty) => {
            #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
            impl serde::Serialize for $type {
                /// Serializes as the canonical description.
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.collect_str(self)
                }
            }

            #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
            impl<'de> serde::Deserialize<'de> for $type {
                /// Deserializes from a description string; a bad one fails with the parse
                /// error's message.
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                    text.parse().map_err(serde::de::Error::custom)
                }
            }
        };
    }

    as_string!(ServerDescription);
    as_string!(ClientDescription);
}

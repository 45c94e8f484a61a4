//! Descriptions as plain values: parse with `FromStr`, compare and hash by their
//! [`Description`] (secrets included), print masked with `Display`, and (with the `serde`
//! feature) load from and save to configuration files as their whole text.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

use crate::description::tree::Description;
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::error::Error;
use crate::registry::Registry;

/// A parsed server description: what a configuration field such as `listen = "tcp:8080"`
/// holds. Parsing uses every kind linked into the program ([`Registry::global`]).
///
/// Two are equal (and hash alike) when their [`Description`] values are: every default
/// written out, secrets compared, so `tcp:8080` equals `tcp:8080:backlog=50` and two
/// descriptions differing only in a password differ. `Display` and `Debug` print the
/// canonical text with secrets masked (for logs); with the `serde` feature the *whole* text is
/// written, secrets included, so a saved configuration loads back to the same endpoint —
/// keep serialized configurations as private as the secrets in them, and log with `Display`.
///
/// # Examples
/// ```
/// use endpoint_core::ServerDescription;
/// // With no transport linked, every kind is unknown; the error names the string.
/// let error = "tpc:8080".parse::<ServerDescription>().unwrap_err();
/// assert!(error.to_string().contains("\"tpc:8080\""));
/// ```
#[derive(Clone)]
pub struct ServerDescription(Arc<dyn ServerEndpoint>);

/// A parsed client description (`connect = "tls:example.com:443"`); see
/// [`ServerDescription`].
#[derive(Clone)]
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

    /// The endpoint's description value.
    pub fn description(&self) -> Description {
        self.0.description()
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

    /// The endpoint's description value.
    pub fn description(&self) -> Description {
        self.0.description()
    }
}

/// A client endpoint built in code (a router, a pool) as a description value, compared by
/// its [`Description`] like a parsed one.
impl From<Arc<dyn ClientEndpoint>> for ClientDescription {
    fn from(endpoint: Arc<dyn ClientEndpoint>) -> Self {
        ClientDescription(endpoint)
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

macro_rules! by_value {
    ($type:ty) => {
        /// The canonical text, secrets masked.
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.description(), f)
            }
        }

        /// The canonical text, secrets masked.
        impl fmt::Debug for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($type))
                    .field(&self.0.description().to_string())
                    .finish()
            }
        }

        impl PartialEq for $type {
            /// Equal when their description values are, secrets included.
            fn eq(&self, other: &Self) -> bool {
                self.0.description() == other.0.description()
            }
        }

        impl Eq for $type {}

        impl Hash for $type {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.description().hash(state);
            }
        }
    };
}

by_value!(ServerDescription);
by_value!(ClientDescription);

#[cfg(feature = "serde")]
mod serde_impls {
    use super::{ClientDescription, ServerDescription};

    macro_rules! as_string {
        ($type:ty) => {
            #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
            impl serde::Serialize for $type {
                /// Serializes as the whole canonical description, secrets included, so it
                /// deserializes to an equal value.
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.collect_str(&self.description().unmasked())
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

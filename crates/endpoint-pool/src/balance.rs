//! How a pool picks a member: [`Balance`] and its names.

use std::fmt;
use std::str::FromStr;

/// The strategy a [`Pool`](crate::Pool) picks members with. Whatever the strategy, a
/// failed connect goes on to the next member at once (see the crate docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Balance {
    /// Each member in turn (`round-robin`).
    #[default]
    RoundRobin,
    /// Each member in proportion to its [weight](crate::Member::weight), interleaved
    /// (smooth weighted round-robin, as nginx does it: weights 3 and 1 give `a a b a`, never
    /// a burst) (`weighted`).
    Weighted,
    /// The member with the fewest open connections through this pool for its weight; ties
    /// go round-robin (`least-connections`).
    LeastConnections,
    /// The lowest [priority](crate::Member::priority) group that has a member up, round-robin
    /// inside the group; higher groups only while every lower member is down (`failover`).
    Failover,
}

impl Balance {
    /// Every strategy's name, as configuration files and `--balance` write them.
    pub const NAMES: [&'static str; 4] =
        ["round-robin", "weighted", "least-connections", "failover"];

    /// The strategy's name (`round-robin`, `weighted`, `least-connections`, `failover`).
    pub fn name(self) -> &'static str {
        match self {
            Balance::RoundRobin => "round-robin",
            Balance::Weighted => "weighted",
            Balance::LeastConnections => "least-connections",
            Balance::Failover => "failover",
        }
    }
}

impl fmt::Display for Balance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A balance name that is none of [`Balance::NAMES`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown balance \"{}\"{} (known: {})",
    endpoint_core::printable(name),
    suggestion.as_ref().map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default(),
    Balance::NAMES.join(", ")
)]
#[non_exhaustive]
pub struct UnknownBalance {
    /// The name as written.
    pub name: String,
    /// The closest known name, when one is close.
    pub suggestion: Option<String>,
}

impl FromStr for Balance {
    type Err = UnknownBalance;

    /// Parses a strategy's name; `least-conn`, `leastconn` (HAProxy's) and `roundrobin` are
    /// accepted too.
    ///
    /// ```
    /// use endpoint_pool::Balance;
    /// assert_eq!("weighted".parse(), Ok(Balance::Weighted));
    /// let error = "round-robni".parse::<Balance>().unwrap_err();
    /// assert_eq!(error.suggestion.as_deref(), Some("round-robin"));
    /// ```
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name {
            "round-robin" | "roundrobin" => Balance::RoundRobin,
            "weighted" => Balance::Weighted,
            "least-connections" | "least-conn" | "leastconn" => Balance::LeastConnections,
            "failover" => Balance::Failover,
            _ => {
                return Err(UnknownBalance {
                    name: name.to_owned(),
                    suggestion: endpoint_core::suggest::closest(name, Balance::NAMES),
                })
            }
        })
    }
}

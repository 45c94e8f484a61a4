//! What a reload does: the difference between the relays that run and the relays a file
//! asks for, relay by relay, by value.

use crate::config::RelayConfig;

/// The steps that take the running relays to the wanted ones. Relays are matched by name and
/// compared by value: a changed password in `to` is a change, a description written
/// differently but meaning the same (`tcp:80` and `tcp:80:backlog=50`) is not.
#[derive(Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// In the file, not running: bind and start.
    pub start: Vec<RelayConfig>,
    /// Running, not in the file: stop listening, let open connections finish (grace).
    pub stop: Vec<String>,
    /// Same listeners, something else changed (`to`, `retry`, `grace`): the listeners stay
    /// bound and new connections take the new settings at once; open ones keep theirs.
    pub retarget: Vec<RelayConfig>,
    /// The listeners changed: bind the new ones, then stop the old (when the address is the
    /// same, the old socket is closed first: see [`Relays`](crate::Relays)).
    pub rebind: Vec<RelayConfig>,
    /// How many relays stay exactly as they are.
    pub unchanged: usize,
}

impl Plan {
    /// The plan from `running` to `wanted`.
    pub fn between(running: &[RelayConfig], wanted: &[RelayConfig]) -> Plan {
        let mut plan = Plan::default();
        for relay in wanted {
            match running.iter().find(|r| r.name == relay.name) {
                None => plan.start.push(relay.clone()),
                Some(old) if old == relay => plan.unchanged += 1,
                Some(old) if old.listen == relay.listen => plan.retarget.push(relay.clone()),
                Some(_) => plan.rebind.push(relay.clone()),
            }
        }
        plan.stop = running
            .iter()
            .filter(|r| !wanted.iter().any(|w| w.name == r.name))
            .map(|r| r.name.clone())
            .collect();
        plan
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
            && self.stop.is_empty()
            && self.retarget.is_empty()
            && self.rebind.is_empty()
    }
}

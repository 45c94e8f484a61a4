//! RFC 2782's order of targets: lowest priority first; within a priority, a weighted random
//! order (a target's chance to come next is its weight over the remaining weights, and a
//! weight-0 target has a small chance, 1 in the sum of the weights plus 1).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// A random number in `0..bound` (`bound > 0`): a counter hashed with std's randomly keyed
/// SipHash, enough to spread load without another dependency.
fn below(bound: u64) -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    thread_local!(static KEYS: RandomState = RandomState::new());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    KEYS.with(|k| k.hash_one(n)) % bound
}

/// The indices of `members` (priority, weight) in the order to try them.
pub(crate) fn rfc2782(members: &[(u16, u16)]) -> Vec<usize> {
    let mut priorities: Vec<u16> = members.iter().map(|m| m.0).collect();
    priorities.sort_unstable();
    priorities.dedup();
    let mut order = Vec::with_capacity(members.len());
    for priority in priorities {
        let mut group: Vec<usize> = (0..members.len())
            .filter(|&i| members[i].0 == priority)
            .collect();
        // "Any order, except that all those with weight 0 are placed at the beginning":
        // shuffled, so equal zero weights share the load too.
        for i in (1..group.len()).rev() {
            group.swap(i, below(i as u64 + 1) as usize);
        }
        group.sort_by_key(|&i| members[i].1 != 0);
        while !group.is_empty() {
            // A running sum over the weights; the first to reach a random number in
            // 0..=total is next.
            let total: u64 = group.iter().map(|&i| u64::from(members[i].1)).sum();
            let target = below(total + 1);
            let mut sum = 0;
            let pick = group
                .iter()
                .position(|&i| {
                    sum += u64::from(members[i].1);
                    sum >= target
                })
                .unwrap_or(0);
            order.push(group.remove(pick));
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_priority_first_then_by_weight() {
        let members = [(20, 1), (10, 3), (10, 1), (30, 0)];
        let mut firsts = [0u32; 4];
        for _ in 0..4000 {
            let order = rfc2782(&members);
            assert_eq!(order.len(), 4);
            assert_eq!(&order[2..], &[0, 3]);
            firsts[order[0]] += 1;
        }
        // Weights 3:1 within priority 10: about 3000 and 1000 (generous margins).
        assert!((2600..3400).contains(&firsts[1]), "{firsts:?}");
        assert_eq!(firsts[0] + firsts[3], 0);
    }

    #[test]
    fn weight_zero_has_a_small_chance() {
        // Weights 0 and 9: the zero-weight target comes first 1 time in 10.
        let firsts = (0..5000)
            .filter(|_| rfc2782(&[(0, 0), (0, 9)])[0] == 0)
            .count();
        assert!((250..800).contains(&firsts), "{firsts}");
        let mut seen = [false; 2];
        for _ in 0..200 {
            seen[rfc2782(&[(0, 0), (0, 0)])[0]] = true;
        }
        assert_eq!(seen, [true, true]);
    }
}

//! What a relay process costs, read from `/proc`: CPU time, proportional memory (PSS, so a
//! forking relay's shared pages are not counted once per child) and open descriptors, summed
//! over the process and its children.

use std::fs;

/// The process and its children (socat forks one per connection), recursively.
fn tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut index = 0;
    while index < all.len() {
        let current = all[index];
        let tasks = format!("/proc/{current}/task");
        if let Ok(entries) = fs::read_dir(tasks) {
            for task in entries.flatten() {
                let children = task.path().join("children");
                if let Ok(text) = fs::read_to_string(children) {
                    all.extend(
                        text.split_whitespace()
                            .filter_map(|p| p.parse::<u32>().ok()),
                    );
                }
            }
        }
        index += 1;
    }
    all
}

/// User + system CPU seconds of the process, its live children, and its reaped children.
pub fn cpu_seconds(pid: u32) -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let mut total = 0u64;
    for (n, p) in tree(pid).into_iter().enumerate() {
        let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // Fields after the command name (which may hold spaces) start at ") ".
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<u64> = rest
            .split_whitespace()
            .skip(11)
            .take(4)
            .filter_map(|f| f.parse().ok())
            .collect();
        // utime, stime, and for the root also cutime and cstime (children already reaped).
        let take = if n == 0 { 4 } else { 2 };
        total += fields.iter().take(take).sum::<u64>();
    }
    total as f64 / ticks
}

/// Proportional set size in bytes, summed over the tree.
pub fn pss_bytes(pid: u32) -> u64 {
    tree(pid)
        .into_iter()
        .filter_map(|p| fs::read_to_string(format!("/proc/{p}/smaps_rollup")).ok())
        .filter_map(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .sum::<u64>()
        * 1024
}

/// Open descriptors, summed over the tree.
pub fn descriptors(pid: u32) -> u64 {
    tree(pid)
        .into_iter()
        .filter_map(|p| fs::read_dir(format!("/proc/{p}/fd")).ok())
        .map(|entries| entries.count() as u64)
        .sum()
}

//! "Did you mean" suggestions by edit distance, as the registry's own errors make them; for
//! plugins and programs that want their messages to suggest the same way.

/// The candidate closest to `word` (case-insensitive), if it is within a small edit distance
/// (a third of its length, at least one; a swap of two neighbours counts as one edit).
///
/// # Examples
/// ```
/// use endpoint_core::suggest::closest;
/// assert_eq!(closest("tpc", ["tcp", "unix"]).as_deref(), Some("tcp"));
/// assert_eq!(closest("zzzz", ["tcp", "unix"]), None);
/// ```
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let word = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(&word, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

/// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (`tpc` → `tcp`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_transpositions_and_typos() {
        let kinds = ["tcp", "tcp6", "unix", "ssl"];
        assert_eq!(closest("tpc", kinds).as_deref(), Some("tcp"));
        assert_eq!(closest("unx", kinds).as_deref(), Some("unix"));
        assert_eq!(closest("zzzzz", kinds), None);
        assert_eq!(
            closest("backlg", ["backlog", "interface"]).as_deref(),
            Some("backlog")
        );
    }
}

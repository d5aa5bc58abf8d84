//! Failures grouped by root cause: the rule their first failed check found broken, so a
//! crate author reads two causes, not forty failures.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The failures of one cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CauseGroup {
    /// The rule broken, in words.
    pub cause: String,
    /// The failing scenarios' ids, in the order they came.
    pub scenarios: Vec<String>,
}

/// How many scenario ids a summary line names before it says how many more.
const NAMED: usize = 3;

/// `failures`, `(scenario id, cause)` pairs, grouped by cause: the largest group first,
/// then by cause.
pub fn group_causes<'a>(failures: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<CauseGroup> {
    let mut by_cause: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (id, cause) in failures {
        by_cause.entry(cause).or_default().push(id.to_owned());
    }
    let mut groups: Vec<CauseGroup> = by_cause
        .into_iter()
        .map(|(cause, scenarios)| CauseGroup {
            cause: cause.to_owned(),
            scenarios,
        })
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.scenarios.len()));
    groups
}

/// The root-cause summary: a heading with the counts, then one line per cause with how
/// many scenarios it failed and the first few of them. Empty when nothing failed.
pub fn render_causes(groups: &[CauseGroup]) -> String {
    let failures: usize = groups.iter().map(|g| g.scenarios.len()).sum();
    let mut out = String::new();
    if groups.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "{failures} failure{} from {} root cause{}:",
        plural(failures),
        groups.len(),
        plural(groups.len())
    );
    for g in groups {
        let n = g.scenarios.len();
        let mut named = g.scenarios[..n.min(NAMED)].join(", ");
        if n > NAMED {
            let _ = write!(named, " and {} more", n - NAMED);
        }
        let _ = writeln!(out, "  {}: {n} scenario{} ({named})", g.cause, plural(n));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cause_of_many_failures_is_one_line() {
        let failures = [
            ("pipe::a", "a `read` returned fewer bytes than were queued"),
            ("pipe::b", "a `write` that should block returned at once"),
            ("pipe::c", "a `read` returned fewer bytes than were queued"),
            ("fifo::d", "a `read` returned fewer bytes than were queued"),
            ("fifo::e", "a `read` returned fewer bytes than were queued"),
        ];
        let groups = group_causes(failures);
        assert_eq!(groups.len(), 2);
        assert_eq!(
            groups[0].scenarios,
            ["pipe::a", "pipe::c", "fifo::d", "fifo::e"]
        );
        assert_eq!(
            render_causes(&groups),
            "5 failures from 2 root causes:\n  \
             a `read` returned fewer bytes than were queued: 4 scenarios (pipe::a, pipe::c, fifo::d and 1 more)\n  \
             a `write` that should block returned at once: 1 scenario (pipe::b)\n"
        );
    }

    #[test]
    fn nothing_failed_says_nothing() {
        assert_eq!(render_causes(&group_causes([])), "");
    }
}

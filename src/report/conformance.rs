//! The conformance matrix of real crates: for each adapter, per mechanism, how many
//! scenarios passed, showed a finding (and from how many root causes), deviated as
//! declared, or were skipped as unsupported by the crate or as not on this platform; the
//! findings grouped by root cause, then each with the check that failed and what the
//! crate does instead; the reasons for skips.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::causes::{group_causes, render_causes};
use crate::driver::{ScenarioReport, Verdict};
use crate::mechanism::{unknown_declarations, Deviation, Unsupported};
use crate::scenario::Mechanism;

/// A failure of a crate that has been looked into: the scenario, and what the crate does
/// instead of what POSIX says, with where in the crate it does it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownFailure {
    /// The scenario's id.
    pub scenario: &'static str,
    /// What the crate does, in one line.
    pub explanation: &'static str,
}

/// One adapter's run of the catalogue.
pub struct CrateRun<'a> {
    /// The crate's name.
    pub name: &'a str,
    /// Its version, when known.
    pub version: Option<&'a str>,
    /// The APIs the adapter drives.
    pub adapts: &'a str,
    /// Its failures that have been looked into.
    pub known: &'a [KnownFailure],
    /// The deviations it declares.
    pub declared: Vec<Deviation>,
    /// The scenarios it declares it cannot express.
    pub unsupported: Vec<Unsupported>,
    /// Every scenario's report, with its mechanism.
    pub reports: Vec<(Mechanism, ScenarioReport)>,
}

impl CrateRun<'_> {
    /// The failures no [`KnownFailure`] explains, the known failures that did not
    /// happen, and declared deviations of no scenario: each means the table and the
    /// adapter's notes disagree.
    pub fn unexplained(&self) -> Vec<String> {
        let ids: Vec<&str> = self.reports.iter().map(|(_, r)| r.id.as_str()).collect();
        let mut problems = unknown_declarations(self.name, &self.declared, &self.unsupported, &ids);
        for (_, r) in &self.reports {
            match &r.verdict {
                Verdict::Fail(f) if self.explanation(&r.id).is_none() => {
                    problems.push(format!("{}: fails without explanation: {f}", r.id));
                }
                Verdict::HarnessError(e) => {
                    problems.push(format!("{}: the harness could not run it: {e}", r.id));
                }
                _ => {}
            }
        }
        for k in self.known {
            let failed = self
                .reports
                .iter()
                .any(|(_, r)| r.id == k.scenario && matches!(r.verdict, Verdict::Fail(_)));
            if !failed {
                problems.push(format!(
                    "{}: explained as failing, but did not fail",
                    k.scenario
                ));
            }
        }
        problems
    }

    fn explanation(&self, id: &str) -> Option<&str> {
        self.known
            .iter()
            .find(|k| k.scenario == id)
            .map(|k| k.explanation)
    }
}

#[derive(Default)]
struct Counts<'r> {
    passed: usize,
    findings: usize,
    /// The causes of the findings, each once.
    causes: BTreeSet<&'r str>,
    deviations: usize,
    unsupported: usize,
    elsewhere: usize,
}

/// The scenarios every crate skipped, the reference included: they do not apply on this
/// platform (a feature it lacks), which says nothing of any crate. Every other skip is
/// something the crate lacks.
fn platform_skips<'r>(runs: &'r [CrateRun<'_>]) -> BTreeSet<&'r str> {
    let skipped = |run: &'r CrateRun<'_>| -> BTreeSet<&'r str> {
        run.reports
            .iter()
            .filter(|(_, r)| matches!(r.verdict, Verdict::Skip(_)))
            .map(|(_, r)| r.id.as_str())
            .collect()
    };
    let mut runs = runs.iter();
    let first = runs.next().map(skipped).unwrap_or_default();
    runs.fold(first, |all, run| &all & &skipped(run))
}

/// The Markdown document: a summary table, then findings, declared deviations and skip
/// reasons per crate. `command` is how to regenerate it.
pub fn render_conformance(runs: &[CrateRun<'_>], platform: &str, command: &str) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Conformance of real crates\n");
    let _ = writeln!(
        w,
        "The scenario catalogue run against each crate through its adapter \
         (`src/adapters/`), on {platform}. Regenerate with `{command}`.\n"
    );
    let _ = writeln!(
        w,
        "Every scenario that does not pass is one of three things:\n\n\
         - a **finding**: the crate contradicts POSIX or its own documentation. Each is \
         explained below, and reported ready to send upstream in \
         [findings.md](findings.md);\n\
         - **declared**: a deviation the crate documents as its design (or that follows \
         from what it documents), declared by the adapter;\n\
         - **unsupported**: a capability the crate lacks (a mechanism, non-blocking mode, \
         a call such as `setsockopt`, an order of calls it cannot make): a skip with the \
         reason, never a failure.\n\n\
         \"Not here\" counts the scenarios no crate runs on {platform}, the operating \
         system included (a platform feature it lacks).\n"
    );
    let _ = writeln!(
        w,
        "| crate | mechanism | passed | findings | root causes | declared | unsupported | not here |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|");
    let elsewhere = platform_skips(runs);
    for run in runs {
        let mut by_mechanism: BTreeMap<String, Counts> = BTreeMap::new();
        for (m, r) in &run.reports {
            let c = by_mechanism.entry(m.to_string()).or_default();
            match &r.verdict {
                Verdict::Pass => c.passed += 1,
                Verdict::Deviation { .. } => c.deviations += 1,
                Verdict::Skip(_) if elsewhere.contains(r.id.as_str()) => c.elsewhere += 1,
                Verdict::Skip(_) => c.unsupported += 1,
                other => {
                    c.findings += 1;
                    c.causes.insert(cause_of(other));
                }
            }
        }
        let name = match run.version {
            Some(v) => format!("{} {v}", run.name),
            None => run.name.to_owned(),
        };
        for (m, c) in by_mechanism
            .iter()
            .filter(|(_, c)| c.passed + c.findings + c.deviations > 0)
        {
            let _ = writeln!(
                w,
                "| {name} | {m} | {} | {} | {} | {} | {} | {} |",
                c.passed,
                c.findings,
                c.causes.len(),
                c.deviations,
                c.unsupported,
                c.elsewhere
            );
        }
    }
    for run in runs {
        render_crate(w, run, &elsewhere);
    }
    out
}

fn render_crate(w: &mut String, run: &CrateRun<'_>, elsewhere: &BTreeSet<&str>) {
    let _ = writeln!(w, "\n## {}\n\nAdapts {}.\n", run.name, run.adapts);
    let failures: Vec<_> = run
        .reports
        .iter()
        .filter_map(|(_, r)| match &r.verdict {
            Verdict::Fail(f) => Some((r, f.to_string())),
            Verdict::HarnessError(e) => Some((r, format!("the harness could not run it: {e}"))),
            _ => None,
        })
        .collect();
    if failures.is_empty() {
        let _ = writeln!(w, "No findings.");
    } else {
        let causes = group_causes(
            run.reports
                .iter()
                .filter(|(_, r)| r.is_failure())
                .map(|(_, r)| (r.id.as_str(), cause_of(&r.verdict))),
        );
        let _ = writeln!(w, "```text\n{}```\n", render_causes(&causes));
        let _ = writeln!(w, "| finding | what the check saw | why |");
        let _ = writeln!(w, "|---|---|---|");
        for (r, check) in failures {
            let why = run.explanation(&r.id).unwrap_or("not yet explained");
            let _ = writeln!(w, "| `{}` | {} | {} |", r.id, cell(&check), cell(why));
        }
    }
    let deviations: Vec<_> = run
        .reports
        .iter()
        .filter_map(|(_, r)| match &r.verdict {
            Verdict::Deviation { reason, failure } => {
                Some((r.id.as_str(), reason.as_str(), failure.to_string()))
            }
            _ => None,
        })
        .collect();
    if !deviations.is_empty() {
        let _ = writeln!(w, "\nDeclared:\n");
        for (id, reason, failure) in deviations {
            let _ = writeln!(w, "- `{id}`: {reason} ({})", cell(&failure));
        }
    }
    let mut unsupported: BTreeMap<&str, usize> = BTreeMap::new();
    let mut not_here: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, r) in &run.reports {
        if let Verdict::Skip(reason) = &r.verdict {
            let skips = if elsewhere.contains(r.id.as_str()) {
                &mut not_here
            } else {
                &mut unsupported
            };
            *skips.entry(reason.as_str()).or_default() += 1;
        }
    }
    for (title, skips) in [("Unsupported", unsupported), ("Not here", not_here)] {
        if !skips.is_empty() {
            let _ = writeln!(w, "\n{title}:\n");
            for (reason, n) in skips {
                let _ = writeln!(w, "- {n} × {reason}");
            }
        }
    }
}

/// The root cause a failed verdict counts under: its check's, or the harness's.
fn cause_of(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Fail(f) => &f.cause.rule,
        _ => "the harness could not run the scenario",
    }
}

/// Text for one table cell: one line, no pipes, and the port of a loopback address as
/// `*` (the kernel picks it anew each run, and the document should not change with it).
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(before);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(if digits > 0 { "*" } else { "" });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_hide_loopback_ports_and_pipes() {
        assert_eq!(
            cell("from `127.0.0.1:42076` | next\nline"),
            "from `127.0.0.1:*` \\| next line"
        );
    }
}

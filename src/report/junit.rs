//! `run --junit FILE`: the run as a JUnit XML file for CI systems. One `<testsuite>` per
//! implementation, one `<testcase>` per scenario (`classname` the mechanism); a failure
//! carries its message and the timeline, a skip its reason; a harness error is an
//! `<error>`, and a declared deviation a skip whose message says so (never a pass).

use std::fmt::Write;

use super::markup::escape;
use super::record::ScenarioRecord;

/// The JUnit document for `records`, in their order; `time_s` is the run's wall time.
pub fn render_junit(records: &[ScenarioRecord], time_s: f64) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |r: &[&ScenarioRecord], v: &[&str]| {
        r.iter().filter(|x| v.contains(&x.verdict.as_str())).count()
    };
    let all: Vec<&ScenarioRecord> = records.iter().collect();
    let _ = writeln!(
        out,
        "<testsuites name=\"ipc-conformance\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time_s:.3}\">",
        all.len(),
        count(&all, &["fail"]),
        count(&all, &["harness_error"]),
        count(&all, &["skip", "deviation"]),
    );
    let mut suites: Vec<(&str, &str)> = Vec::new();
    for r in records {
        let key = (r.implementation.as_str(), r.platform.as_str());
        if !suites.contains(&key) {
            suites.push(key);
        }
    }
    for (implementation, platform) in suites {
        let members: Vec<&ScenarioRecord> = records
            .iter()
            .filter(|r| r.implementation == implementation && r.platform == platform)
            .collect();
        let time: f64 = members.iter().map(|r| r.duration_ms).sum::<f64>() / 1e3;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
            escape(&format!("{implementation} on {platform}")),
            members.len(),
            count(&members, &["fail"]),
            count(&members, &["harness_error"]),
            count(&members, &["skip", "deviation"]),
        );
        for r in members {
            testcase(&mut out, r);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, r: &ScenarioRecord) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
        escape(&r.id),
        escape(&r.mechanism),
        r.duration_ms / 1e3
    );
    let reason = r.reason.as_deref().unwrap_or_default();
    match r.verdict.as_str() {
        "fail" => {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"non-conformance\">{}</failure>\n    </testcase>",
                escape(&failure_message(r)),
                escape(&details(r))
            );
        }
        "harness_error" => {
            let _ = writeln!(
                out,
                ">\n      <error message=\"{}\" type=\"harness\"/>\n    </testcase>",
                escape(&format!("the harness could not run the scenario: {reason}"))
            );
        }
        "skip" => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(reason)
            );
        }
        "deviation" => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(&format!(
                    "declared deviation: {reason}; {}",
                    failure_message(r)
                ))
            );
        }
        _ => out.push_str("/>\n"),
    }
}

fn failure_message(r: &ScenarioRecord) -> String {
    let Some(f) = &r.failure else {
        return r.findings.join("; ");
    };
    let mut m = String::new();
    match (f.step, &f.process) {
        (Some(s), Some(p)) => m = format!("step {s}, process {p}: "),
        (Some(s), None) => m = format!("step {s}: "),
        _ => {}
    }
    let _ = write!(m, "expected {}; observed {}", f.expected, f.observed);
    if !f.more.is_empty() {
        let _ = write!(m, "; and {} more: {}", f.more.len(), f.more.join("; "));
    }
    m
}

/// The body of a failure: the summary, the scenario file, findings and the timeline.
fn details(r: &ScenarioRecord) -> String {
    let mut out = format!("{}\n", r.summary);
    if let Some(source) = &r.source {
        let _ = writeln!(out, "scenario: {source}");
    }
    for finding in &r.findings {
        let _ = writeln!(out, "finding: {finding}");
    }
    out.push_str("timeline:\n");
    let width = r
        .timeline
        .iter()
        .map(|e| e.process.len())
        .max()
        .unwrap_or(0);
    for e in &r.timeline {
        let _ = writeln!(
            out,
            "  {:>9.3} ms  step {:<3} {:<width$}  {:<7}  {}",
            e.at_ms, e.step, e.process, e.event, e.text
        );
    }
    out
}

//! The timeline as the terminal's sequence diagram: insta snapshots, plain, with times,
//! descriptors and wait channels redacted. The HTML page is checked in a browser by
//! suite/timeline_html.rs.

use std::path::Path;

use ipc_conformance::driver::{run_scenario, EventKind, RunOptions, ScenarioReport, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::mechanism::{Implementation, Streams};
use ipc_conformance::report::{render_sequence, Colour};
use ipc_conformance::scenario::{self, Scenario};
use libtest_mimic::Failed;

use crate::faulty::{Fault, Faulty};
use crate::TestFn;

pub fn tests() -> Vec<(&'static str, TestFn)> {
    vec![
        (
            "timeline::sequence_of_a_passing_blocking_read",
            sequence_of_a_passing_blocking_read,
        ),
        (
            "timeline::sequence_of_a_failing_read_marks_the_check",
            sequence_of_a_failing_read_marks_the_check,
        ),
    ]
}

fn read_empty_blocks() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pipe/read_empty_blocks.toml");
    let text = std::fs::read_to_string(&path).expect("the catalogue's scenario");
    scenario::parse(&path, &text).expect("a valid scenario")
}

fn run<I: Implementation>(iut: &I) -> ScenarioReport {
    run_scenario(&read_empty_blocks(), iut, &RunOptions::default())
}

/// A woken reader and its waker return at once, so their two `end`s come in either
/// order: put such neighbours in the order of their process names. Then the plain
/// diagram with times, descriptor numbers and wait channels (each kernel names its own)
/// redacted.
fn redacted(report: &ScenarioReport) -> String {
    let mut report = report.clone();
    let t = &mut report.timeline;
    for i in 1..t.len() {
        let (a, b) = (&t[i - 1], &t[i]);
        if a.kind == EventKind::End && b.kind == EventKind::End && a.process.0 > b.process.0 {
            t.swap(i - 1, i);
        }
    }
    render_sequence(&report, Colour::Never)
        .lines()
        .map(redact_line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn redact_line(line: &str) -> String {
    // The time is the first column: 2 spaces, then 9 characters.
    let line = match line.get(2..11) {
        Some(t) if t.trim().parse::<f64>().is_ok() => format!("  {:>9}{}", "[t]", &line[11..]),
        _ => line.to_owned(),
    };
    let mut cleaned = String::new();
    let mut rest = line.as_str();
    while let Some(i) = rest.find("fd ") {
        cleaned.push_str(&rest[..i + 3]);
        rest = rest[i + 3..].trim_start_matches(|c: char| c.is_ascii_digit());
        cleaned.push('N');
    }
    cleaned.push_str(rest);
    match cleaned.find("blocked in ") {
        Some(i) => format!("{}blocked in [wchan]", &cleaned[..i]),
        None => cleaned,
    }
}

fn sequence_of_a_passing_blocking_read() -> Result<(), Failed> {
    let report = run(&Os);
    if report.verdict != Verdict::Pass {
        return Err(format!("{:?}\n{}", report.verdict, redacted(&report)).into());
    }
    insta::assert_snapshot!("sequence_read_empty_blocks_pass", redacted(&report));
    Ok(())
}

fn sequence_of_a_failing_read_marks_the_check() -> Result<(), Failed> {
    let report = run(&Streams(Faulty(Fault::DropsFirstByte)));
    if !matches!(report.verdict, Verdict::Fail(_)) {
        return Err(format!("expected a failure, got {:?}", report.verdict).into());
    }
    insta::assert_snapshot!(
        "sequence_read_empty_blocks_drops_first_byte",
        redacted(&report)
    );
    Ok(())
}

//! A step judged whole: every action against its own expectation (`expect_for`), and a
//! failure that names each action of the step that went wrong; a step's note in the
//! timeline where the step starts.

use std::path::Path;

use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::report::{render_html_section, render_sequence, render_timeline, Colour};
use ipc_conformance::scenario::{self, ProcessName};
use libtest_mimic::Failed;

use crate::{check, TestFn};

pub fn tests() -> Vec<(&'static str, TestFn)> {
    vec![
        (
            "driver::two_mismatches_in_one_step_are_both_reported",
            two_mismatches_in_one_step_are_both_reported,
        ),
        (
            "timeline::a_step_note_is_shown_where_the_step_starts",
            a_step_note_is_shown_where_the_step_starts,
        ),
    ]
}

/// Step 1 is right for the reader (it blocks, by its own expectation) and wrong for both
/// writers (5 and 2 bytes, where the step expects 3).
const TWO_WRONG: &str = r#"
format_version = 1
summary = "two writers of one step both return other counts than the step expects"
reference = "POSIX XSH write(): a write to a pipe with room returns the count written"
mechanism = "pipe"

[processes]
reader = { keeps = ["read"] }
w1 = { keeps = ["write"] }
w2 = { keeps = ["write"] }

[[step]]
reader = { read_exactly = "PIPE_BUF" }
w1 = { write = "hello" }
w2 = { write = "hi" }
expect = { returns = 3 }
expect_for = { reader = "blocks" }
"#;

fn two_mismatches_in_one_step_are_both_reported() -> Result<(), Failed> {
    let s = scenario::parse(Path::new("inline/two_wrong.toml"), TWO_WRONG)?;
    let report = run_scenario(&s, &Os, &RunOptions::default());
    let Verdict::Fail(f) = &report.verdict else {
        return Err(format!("expected a failure, got {:?}", report.verdict).into());
    };
    let named = |f: &ipc_conformance::driver::Failure| f.process.clone().map(|p| p.0);
    let mut failed: Vec<Option<String>> = vec![named(f)];
    failed.extend(f.more.iter().map(named));
    check(
        failed == [Some("w1".to_owned()), Some("w2".to_owned())],
        || format!("expected w1 and then w2 to fail, got {failed:?}\n{f}"),
    )?;
    check(
        f.process == Some(ProcessName("w1".to_owned())) && f.observed.contains('5'),
        || f.to_string(),
    )?;
    check(f.more[0].observed.contains('2'), || f.to_string())?;
    check(
        f.to_string().contains("and 1 more: step 1, process w2"),
        || f.to_string(),
    )?;
    let timeline = render_timeline(&report);
    check(
        timeline.contains("also: step 1, process w2: expected"),
        || timeline.clone(),
    )?;
    let sequence = render_sequence(&report, Colour::Never);
    check(
        sequence.contains("also: step 1, process w2: expected"),
        || sequence,
    )
}

/// A reader that expects other bytes than the writer sends, with a note on each step.
const NOTED: &str = r#"
format_version = 1
summary = "a blocked reader gets what the writer wrote, not what the file expects"
reference = "POSIX XSH read(): an empty pipe with a writer suspends the reader"
mechanism = "pipe"

[processes]
reader = { keeps = ["read"] }
writer = { keeps = ["write"] }

[[step]]
note = "nothing written yet"
reader = { read = 5 }
expect = "blocks"

[[step]]
note = "the write wakes the reader"
writer = { write = "hello" }
expect = { returns = 5 }

[[step]]
reader = "completes"
expect = { data = "hellx" }
"#;

/// In both the timeline and the sequence diagram of a failed run, each note stands on
/// its own line after the events of the steps before it and before the first event of
/// its step; the HTML page shows them too.
fn a_step_note_is_shown_where_the_step_starts() -> Result<(), Failed> {
    let s = scenario::parse(Path::new("inline/noted.toml"), NOTED)?;
    let report = run_scenario(&s, &Os, &RunOptions::default());
    check(matches!(report.verdict, Verdict::Fail(_)), || {
        format!("expected a failure, got {:?}", report.verdict)
    })?;
    let timeline = render_timeline(&report);
    let sequence = render_sequence(&report, Colour::Never);
    for (text, is_event_of) in [
        (&timeline, timeline_event as fn(&str, usize) -> bool),
        (&sequence, sequence_event),
    ] {
        let lines: Vec<&str> = text.lines().collect();
        let at = |needle: &str| lines.iter().position(|l| l.contains(needle));
        let first_event = |step| lines.iter().position(|l| is_event_of(l, step));
        let (Some(note1), Some(note2)) = (
            at("note: nothing written yet"),
            at("note: the write wakes the reader"),
        ) else {
            return Err(format!("a note is missing:\n{text}").into());
        };
        let (Some(step1), Some(step2)) = (first_event(1), first_event(2)) else {
            return Err(format!("an event of step 1 or 2 is missing:\n{text}").into());
        };
        check(note1 < step1 && step1 < note2 && note2 < step2, || {
            format!("notes out of place (lines {note1}, {step1}, {note2}, {step2}):\n{text}")
        })?;
    }
    // The HTML diagram's rows stand at fixed heights: its notes come above it.
    let html = render_html_section(&report);
    check(
        html.contains("step 2: the write wakes the reader</p>"),
        || html.clone(),
    )
}

/// An event line of `render_timeline` at `step`: `  1.234 ms  step 2   writer  start  …`.
fn timeline_event(line: &str, step: usize) -> bool {
    line.contains(" ms  step ")
        && line.contains(&format!(" step {step:<3} "))
        && !line.contains("note:")
}

/// An event line of `render_sequence` at `step`: `  1.234     2  ┆  ●  writer  write(…)`.
fn sequence_event(line: &str, step: usize) -> bool {
    let mut words = line.split_whitespace();
    let time = words.next().is_some_and(|w| w.parse::<f64>().is_ok());
    time && words.next() == Some(step.to_string().as_str())
}

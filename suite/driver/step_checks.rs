//! A step judged whole: every action against its own expectation (`expect_for`), and a
//! failure that names each action of the step that went wrong.

use std::path::Path;

use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::report::{render_sequence, render_timeline, Colour};
use ipc_conformance::scenario::{self, ProcessName};
use libtest_mimic::Failed;

use crate::{check, TestFn};

pub fn tests() -> Vec<(&'static str, TestFn)> {
    vec![(
        "driver::two_mismatches_in_one_step_are_both_reported",
        two_mismatches_in_one_step_are_both_reported,
    )]
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

//! Driver tests: they fork, so they run through libtest-mimic on the main thread.

mod driver_leaks;
#[path = "../../fixtures/exec_started.rs"]
mod exec_started;
#[path = "../../fixtures/faulty.rs"]
#[expect(
    dead_code,
    reason = "these tests use some of the faults; suite/fuzz.rs uses all"
)]
mod faulty;
mod harness_faults;
mod killed_run;
mod leak_checks;
#[path = "../../fixtures/misbehaving.rs"]
mod misbehaving;
mod platform_check;
mod step_checks;
mod timeline_pictures;

use std::path::Path;
use std::time::{Duration, Instant};

use exec_started::ExecStarted;
use faulty::{Fault, Faulty};
use ipc_conformance::driver::{run_scenario, Evidence, RunOptions, ScenarioReport, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::mechanism::{Implementation, Streams};
use ipc_conformance::report::render_timeline;
use ipc_conformance::scenario::{
    self, Action, End, Expectation, Mechanism, Payload, Scenario, ScenarioBuilder, Size,
};
use libtest_mimic::{Arguments, Failed, Trial};

const READ_BLOCKS: &str = r#"
format_version = 1
summary = "a read on an empty pipe blocks until a writer writes"
reference = "POSIX XSH read(): an empty pipe with a writer suspends the reader"
mechanism = "pipe"

[processes]
reader = { keeps = ["read"] }
writer = { keeps = ["write"] }

[[step]]
reader = { read = 5 }
expect = "blocks"

[[step]]
writer = { write = "hello" }
expect = { returns = 5 }

[[step]]
reader = "completes"
expect = { data = "EXPECTED" }
"#;

fn scenario_with(data: &str) -> Scenario {
    scenario::parse(
        Path::new("inline/read_blocks.toml"),
        &READ_BLOCKS.replace("EXPECTED", data),
    )
    .unwrap()
}

fn run<I: Implementation>(s: &Scenario, iut: &I) -> ScenarioReport {
    run_scenario(s, iut, &RunOptions::default())
}

/// Times, descriptor numbers and the kernel's evidence (wait channels are named
/// differently by each kernel, and macOS has none) vary; so does the order of events of
/// different processes that run at once (a woken reader and its writer). The snapshot
/// keeps the failure as it is and the timeline's lines sorted.
fn redacted(report: &ScenarioReport) -> String {
    let text = render_timeline(report);
    let (head, timeline) = text.split_once("  timeline:\n").unwrap_or((&text, ""));
    let mut lines: Vec<String> = timeline.lines().map(redact_line).collect();
    lines.sort();
    format!("{head}  timeline (sorted):\n{}\n", lines.join("\n"))
}

fn redact_line(line: &str) -> String {
    let line = match (line.find(" ["), line.ends_with(']')) {
        (Some(i), true) => format!("{} [evidence]", &line[..i]),
        _ => line.to_owned(),
    };
    let line = match line.find(" ms  step") {
        Some(i) => format!("    [time]{}", &line[i + 3..]),
        None => line,
    };
    let mut cleaned = String::new();
    let mut rest = line.as_str();
    while let Some(i) = rest.find("fd ") {
        cleaned.push_str(&rest[..i + 3]);
        rest = rest[i + 3..].trim_start_matches(|c: char| c.is_ascii_digit());
        cleaned.push('N');
    }
    cleaned.push_str(rest);
    cleaned
}

fn check(cond: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what().into())
    }
}

fn passing_scenario_passes_with_kernel_evidence() -> Result<(), Failed> {
    let report = run(&scenario_with("hello"), &Os);
    check(report.verdict == Verdict::Pass, || {
        format!("{:?}\n{}", report.verdict, render_timeline(&report))
    })?;
    check(report.blocking.len() == 1, || {
        format!("one blocking verdict, got {:?}", report.blocking)
    })?;
    let evidence = report.blocking[0].evidence;
    let expected = if cfg!(target_os = "linux") {
        Evidence::KernelCall
    } else {
        Evidence::KernelState
    };
    check(evidence == expected, || {
        format!("evidence {evidence:?}, expected {expected:?}")
    })
}

fn wrong_expectation_fails_with_step_and_timeline() -> Result<(), Failed> {
    let report = run(&scenario_with("hellx"), &Os);
    check(matches!(report.verdict, Verdict::Fail(_)), || {
        format!("{:?}", report.verdict)
    })?;
    insta::assert_snapshot!("wrong_expectation_timeline", redacted(&report));
    Ok(())
}

fn a_read_that_does_not_block_fails_the_blocks_claim() -> Result<(), Failed> {
    let report = run(
        &scenario_with("hello"),
        &Streams(Faulty(Fault::ReadNeverBlocks)),
    );
    insta::assert_snapshot!("read_never_blocks_timeline", redacted(&report));
    Ok(())
}

fn dropped_byte_is_caught() -> Result<(), Failed> {
    let report = run(
        &scenario_with("hello"),
        &Streams(Faulty(Fault::DropsFirstByte)),
    );
    let Verdict::Fail(f) = &report.verdict else {
        return Err(format!("expected a failure, got {:?}", report.verdict).into());
    };
    check(f.observed.contains("\"ello\""), || f.observed.clone())
}

fn hung_writer_is_killed_by_the_watchdog() -> Result<(), Failed> {
    let mut s = scenario_with("hello");
    s.step_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let report = run(&s, &Streams(Faulty(Fault::WriteHangs)));
    let took = started.elapsed();
    let Verdict::Fail(f) = &report.verdict else {
        return Err(format!("expected a failure, got {:?}", report.verdict).into());
    };
    check(f.observed.contains("watchdog"), || f.observed.clone())?;
    check(took < Duration::from_secs(3), || {
        format!("the run took {took:?}")
    })?;
    check(no_children_left(), || {
        "a child of the driver is still alive or unreaped".to_owned()
    })?;
    insta::assert_snapshot!("watchdog_timeline", redacted(&report));
    Ok(())
}

fn a_call_that_should_not_block_is_judged_blocked() -> Result<(), Failed> {
    // Nobody writes, so `read` sleeps: the expectation `returns 5` must fail as "blocked"
    // soon after the kernel shows it asleep, not at the watchdog's bound.
    let s = ScenarioBuilder::new("pipe::inline", Mechanism::Pipe)
        .related("reader", &[End::Read])
        .related("writer", &[End::Write])
        .step(
            &[("reader", Action::Read(Size::Bytes(5)))],
            Expectation::Returns(Size::Bytes(5)),
        )
        .build()?;
    let started = Instant::now();
    let report = run(&s, &Os);
    let Verdict::Fail(f) = &report.verdict else {
        return Err(format!("expected a failure, got {:?}", report.verdict).into());
    };
    check(f.observed.starts_with("blocked in the call"), || {
        f.observed.clone()
    })?;
    check(started.elapsed() < Duration::from_secs(2), || {
        format!("took {:?}", started.elapsed())
    })
}

fn sigpipe_death_is_an_outcome() -> Result<(), Failed> {
    let s = ScenarioBuilder::new("pipe::inline", Mechanism::Pipe)
        .related("reader", &[End::Read])
        .related("writer", &[End::Write])
        .step(
            &[("reader", Action::Close(End::Read))],
            Expectation::Succeeds,
        )
        .step(
            &[("writer", Action::Write(Payload::Text("x".into())))],
            Expectation::Signal(sigpipe()),
        )
        .build()?;
    let report = run(&s, &Os);
    check(report.verdict == Verdict::Pass, || {
        format!("{:?}\n{}", report.verdict, render_timeline(&report))
    })
}

fn sigpipe() -> scenario::SignalName {
    scenario::SignalName::from_name("SIGPIPE").unwrap()
}

fn leaked_descriptor_is_a_finding() -> Result<(), Failed> {
    let s = ScenarioBuilder::new("pipe::inline", Mechanism::Pipe)
        .related("reader", &[End::Read])
        .step(
            &[("reader", Action::Close(End::Read))],
            Expectation::Succeeds,
        )
        .build()?;
    let report = run(&s, &Streams(Faulty(Fault::CloseLeaks)));
    check(
        report.findings.iter().any(|f| f.contains("still holds fd")),
        || format!("{:?}", report.findings),
    )?;
    check(matches!(report.verdict, Verdict::Fail(_)), || {
        format!("{:?}", report.verdict)
    })
}

fn nothing_is_left_in_the_private_directory() -> Result<(), Failed> {
    let ours = || {
        let prefix = format!("ipc-conformance.{}.", std::process::id());
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .count()
    };
    let fifo = scenario::parse(
        Path::new("inline/fifo.toml"),
        r#"
format_version = 1
summary = "s"
reference = "r"
mechanism = "fifo"
[processes]
reader = { relation = "unrelated" }
writer = { relation = "unrelated" }
[[step]]
reader = { open = { mode = "O_RDONLY" } }
expect = "blocks"
[[step]]
writer = { open = { mode = "O_WRONLY" } }
expect = "succeeds"
[[step]]
reader = "completes"
expect = "succeeds"
"#,
    )?;
    for (s, expect_pass) in [(&fifo, true), (&scenario_with("wrong"), false)] {
        let report = run(s, &Os);
        check((report.verdict == Verdict::Pass) == expect_pass, || {
            format!("{:?}", report.verdict)
        })?;
        check(ours() == 0, || {
            "a private directory of this run is left behind".to_owned()
        })?;
    }
    check(no_children_left(), || {
        "a child of the driver is still alive or unreaped".to_owned()
    })
}

/// System V segments in the system, from /proc (Linux only).
fn sysv_segments() -> Option<usize> {
    let table = std::fs::read_to_string("/proc/sysvipc/shm").ok()?;
    Some(table.lines().skip(1).count())
}

fn no_sysv_segment_is_left_behind() -> Result<(), Failed> {
    let Some(before) = sysv_segments() else {
        return Ok(());
    };
    // Neither scenario removes the segment itself: the driver must.
    let kept = scenario::parse(
        Path::new("inline/sysv.toml"),
        r#"
format_version = 1
summary = "s"
reference = "r"
mechanism = "sysv-shm"
[processes]
a = {}
b = { relation = "unrelated" }
[[step]]
a = { store = { at = 0, data = "x" } }
expect = "succeeds"
[[step]]
b = "shmat"
expect = "succeeds"
[[step]]
b = { load = { at = 0, len = 1 } }
expect = { data = "y" }
"#,
    )?;
    let report = run(&kept, &Os);
    check(matches!(report.verdict, Verdict::Fail(_)), || {
        format!("{:?}", report.verdict)
    })?;
    let after = sysv_segments().unwrap_or(before);
    check(after == before, || {
        format!("{before} System V segments before the run, {after} after")
    })
}

/// Network namespaces this process made (Linux; `ip netns` keeps them in /run/netns).
fn our_namespaces() -> Vec<String> {
    let ours = format!("ipcc-{}-", std::process::id());
    std::fs::read_dir("/run/netns")
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&ours))
                .collect()
        })
        .unwrap_or_default()
}

fn no_network_namespace_is_left_behind() -> Result<(), Failed> {
    // The client expects the wrong bytes: the run fails mid-way, and must still remove
    // both hosts' namespaces (and the link between them).
    let across = scenario::parse(
        Path::new("inline/across.toml"),
        r#"
format_version = 1
summary = "s"
reference = "r"
mechanism = "udp"
[processes]
receiver = { relation = "unrelated", host = "alpha" }
sender = { relation = "unrelated", host = "beta" }
[[step]]
receiver = { socket = { as = "r" } }
sender = { socket = { as = "s" } }
expect = "succeeds"
[[step]]
receiver = { bind = { on = "r", to = "inbox" } }
expect = "succeeds"
[[step]]
sender = { send = { on = "s", to = "inbox", data = "over the link" } }
expect = { returns = 13 }
[[step]]
receiver = { recv = { on = "r", len = 64 } }
expect = { message = { data = "something else" } }
"#,
    )?;
    let report = run(&across, &Os);
    match &report.verdict {
        // Without root or iproute2 the scenario is a skip, and there is nothing to check.
        Verdict::Skip(reason) => check(reason.contains("across hosts"), || reason.clone()),
        Verdict::Fail(f) => {
            check(f.observed.contains("over the link"), || f.observed.clone())?;
            let left = our_namespaces();
            check(left.is_empty(), || format!("namespaces left: {left:?}"))
        }
        other => Err(format!("expected a failure at the last step, got {other:?}").into()),
    }
}

fn builder_and_file_make_the_same_model() -> Result<(), Failed> {
    let from_file = scenario_with("hello");
    let built = ScenarioBuilder::new("pipe::read_blocks", Mechanism::Pipe)
        .summary(&from_file.summary)
        .reference(&from_file.reference)
        .related("reader", &[End::Read])
        .related("writer", &[End::Write])
        .step(
            &[("reader", Action::Read(Size::Bytes(5)))],
            Expectation::Blocks,
        )
        .step(
            &[("writer", Action::Write(Payload::Text("hello".into())))],
            Expectation::Returns(Size::Bytes(5)),
        )
        .step(
            &[("reader", Action::Await)],
            Expectation::Data(Payload::Text("hello".into())),
        )
        .build()?;
    check(
        built.processes == from_file.processes && built.steps == from_file.steps,
        || format!("{built:#?}\n!=\n{from_file:#?}"),
    )
}

fn no_children_left() -> bool {
    matches!(
        nix::sys::wait::waitpid(
            nix::unistd::Pid::from_raw(-1),
            Some(nix::sys::wait::WaitPidFlag::WNOHANG)
        ),
        Err(nix::errno::Errno::ECHILD)
    )
}

/// A driver test: Ok, or a failure message.
type TestFn = fn() -> Result<(), Failed>;

/// Actors started by exec: the FIFO scenarios of unrelated processes pass with every
/// actor in a program executed again (the fixture fails any call made elsewhere), and
/// scenarios whose processes inherit the object are skipped.
fn actors_started_by_exec_pass_and_inherited_objects_are_skipped() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fifo");
    let mut passed = 0;
    for s in scenario::load_all(&root)? {
        let report = run(&s, &Streams(ExecStarted));
        let related = s
            .processes
            .iter()
            .any(|p| p.relation == scenario::Relation::Related);
        match (&report.verdict, related) {
            (Verdict::Pass, false) => passed += 1,
            (Verdict::Skip(reason), true) if reason.contains("exec") => {}
            (Verdict::Skip(reason), false) if !reason.contains("exec") => {}
            (other, _) => {
                return Err(format!("{}: {other:?}\n{}", s.id, render_timeline(&report)).into())
            }
        }
    }
    check(passed >= 10, || {
        format!("only {passed} FIFO scenarios ran by exec")
    })
}

fn main() {
    // This binary is also what actors started by exec run.
    ipc_conformance::driver::serve_exec_actor(&Streams(ExecStarted));
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let mut tests: Vec<(&str, TestFn)> = vec![
        (
            "driver::passing_scenario_passes_with_kernel_evidence",
            passing_scenario_passes_with_kernel_evidence,
        ),
        (
            "driver::wrong_expectation_fails_with_step_and_timeline",
            wrong_expectation_fails_with_step_and_timeline,
        ),
        (
            "driver::a_read_that_does_not_block_fails_the_blocks_claim",
            a_read_that_does_not_block_fails_the_blocks_claim,
        ),
        ("driver::dropped_byte_is_caught", dropped_byte_is_caught),
        (
            "driver::hung_writer_is_killed_by_the_watchdog",
            hung_writer_is_killed_by_the_watchdog,
        ),
        (
            "driver::a_call_that_should_not_block_is_judged_blocked",
            a_call_that_should_not_block_is_judged_blocked,
        ),
        (
            "driver::sigpipe_death_is_an_outcome",
            sigpipe_death_is_an_outcome,
        ),
        (
            "driver::leaked_descriptor_is_a_finding",
            leaked_descriptor_is_a_finding,
        ),
        (
            "driver::actors_started_by_exec_pass_and_inherited_objects_are_skipped",
            actors_started_by_exec_pass_and_inherited_objects_are_skipped,
        ),
        (
            "driver::nothing_is_left_in_the_private_directory",
            nothing_is_left_in_the_private_directory,
        ),
        (
            "driver::no_sysv_segment_is_left_behind",
            no_sysv_segment_is_left_behind,
        ),
        (
            "driver::no_network_namespace_is_left_behind",
            no_network_namespace_is_left_behind,
        ),
        (
            "driver::builder_and_file_make_the_same_model",
            builder_and_file_make_the_same_model,
        ),
    ];
    tests.extend(harness_faults::tests());
    tests.extend(timeline_pictures::tests());
    tests.extend(platform_check::tests());
    tests.extend(leak_checks::tests());
    tests.extend(step_checks::tests());
    tests.push((
        "harness::nothing_of_the_driver_leaks_over_many_runs",
        driver_leaks::nothing_of_the_driver_leaks_over_many_runs,
    ));
    tests.push((
        "harness::killed_run_leaves_nothing_a_second_run_cannot_sweep",
        killed_run::killed_run_leaves_nothing_a_second_run_cannot_sweep,
    ));
    let trials = tests
        .into_iter()
        .map(|(name, f)| Trial::test(name, f))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

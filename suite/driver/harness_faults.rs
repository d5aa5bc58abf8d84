//! Faults of the harness itself: an actor that crashes, hangs (asleep or spinning), forks
//! a process that outlives it, closes its control channel, floods its output or runs out
//! of descriptors. Each ends in a verdict with a timeline within a bound, and leaves no
//! process behind.

use std::time::{Duration, Instant};

use ipc_conformance::driver::Verdict;
use ipc_conformance::mechanism::Streams;
use ipc_conformance::report::render_timeline;
use libtest_mimic::Failed;

use super::faulty::changed_os_stream::ChangedOsStream;
use super::misbehaving::{Call, Misbehaving, Misbehaviour};
use super::{check, no_children_left, run, scenario_with, TestFn};

/// The step timeout of the hangs: the watchdog's bound.
const WATCHDOG: Duration = Duration::from_millis(300);

/// The step timeout of a misbehaviour that ends on its own: a bound it never reaches
/// when it works. (Unwinding a panic out of this debug binary took over 300 ms once, in
/// CI's first run on a clean clone: the watchdog then fired before the exit.)
const ENDS_ON_ITS_OWN: Duration = Duration::from_secs(2);

/// Every run here ends well within this, hangs included.
const BOUND: Duration = Duration::from_secs(3);

/// What a run must come to.
enum Expect {
    /// A failure at this step, of this process, whose observation contains this text.
    FailAt(usize, &'static str, &'static str),
    /// A failure of the run as a whole, with a finding containing this text.
    Finding(&'static str),
    /// A pass: the misbehaviour is none of POSIX's business.
    Pass,
}

/// Run the read-blocks scenario with `call` misbehaving as `how`, and check the verdict,
/// the time it took and that no process is left.
fn misbehave(how: Misbehaviour, call: Call, expect: Expect) -> Result<(), Failed> {
    misbehave_within(WATCHDOG, how, call, expect)
}

/// [`misbehave`] with the watchdog at `step_timeout`.
fn misbehave_within(
    step_timeout: Duration,
    how: Misbehaviour,
    call: Call,
    expect: Expect,
) -> Result<(), Failed> {
    let mut scenario = scenario_with("hello");
    scenario.step_timeout = step_timeout;
    let started = Instant::now();
    let report = run(
        &scenario,
        &Streams(ChangedOsStream(Misbehaving { how, call })),
    );
    let took = started.elapsed();
    let show = || format!("{:?}\n{}", report.verdict, render_timeline(&report));
    match (&report.verdict, expect) {
        (Verdict::Fail(f), Expect::FailAt(step, process, observed)) => {
            // What happened is in the observation or, when only the process knew, in
            // its lane of the timeline.
            let said = f.observed.contains(observed)
                || report
                    .timeline
                    .iter()
                    .any(|e| e.process.0 == process && e.text.contains(observed));
            check(
                f.step.map(|s| s.0) == Some(step)
                    && f.process.as_ref().is_some_and(|p| p.0 == process)
                    && said,
                || {
                    format!(
                        "expected a failure of {process} at step {step} ({observed}): {}",
                        show()
                    )
                },
            )?;
        }
        (Verdict::Fail(_), Expect::Finding(text)) => {
            check(report.findings.iter().any(|f| f.contains(text)), || {
                format!("expected a finding `{text}`: {}", show())
            })?;
        }
        (Verdict::Pass, Expect::Pass) => {}
        _ => return Err(format!("unexpected verdict: {}", show()).into()),
    }
    check(!report.timeline.is_empty(), || "no timeline".to_owned())?;
    check(took < BOUND, || {
        format!("the run took {took:?}: {}", show())
    })?;
    check(no_children_left(), || {
        format!(
            "a process of the run is still alive or unreaped: {}",
            show()
        )
    })?;
    no_process_of_ours_sleeps()
}

/// No process forked from this one is left anywhere (a grandchild reparented to init
/// is no child of ours, but still runs this binary and sleeps in `pause()`).
fn no_process_of_ours_sleeps() -> Result<(), Failed> {
    let ours = std::fs::read_link("/proc/self/exe");
    let Ok(ours) = ours else {
        return Ok(());
    };
    let me = std::process::id().to_string();
    let left: Vec<String> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()) && *pid != me)
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == ours))
        .filter(|pid| {
            // Zombies have no exe link; a live process of ours would.
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(") ")
                    .is_some_and(|(_, r)| !r.starts_with('Z'))
            })
        })
        .collect();
    check(left.is_empty(), || {
        format!("processes running this test binary are left: {left:?}")
    })
}

fn segfault_in_a_call_is_a_failure() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::Segfault,
        Call::Write,
        Expect::FailAt(1, "writer", "SIGSEGV"),
    )
}

fn abort_in_a_call_is_a_failure() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::Abort,
        Call::Write,
        Expect::FailAt(1, "writer", "SIGABRT"),
    )
}

fn panic_in_a_call_is_a_failure() -> Result<(), Failed> {
    misbehave_within(
        ENDS_ON_ITS_OWN,
        Misbehaviour::Panic,
        Call::Write,
        Expect::FailAt(1, "writer", "exited with status 101"),
    )
}

fn call_asleep_elsewhere_is_killed_by_the_watchdog() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::HangAsleep,
        Call::Write,
        Expect::FailAt(1, "writer", "watchdog"),
    )
}

fn spinning_call_is_killed_by_the_watchdog() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::HangRunning,
        Call::Write,
        Expect::FailAt(1, "writer", "watchdog"),
    )
}

/// A call expected to block that spins instead is never judged blocked: the kernel never
/// shows it asleep.
fn spinning_call_is_never_judged_blocked() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::HangRunning,
        Call::Read,
        Expect::FailAt(0, "reader", "watchdog"),
    )
}

/// A call expected to block that sleeps, but in another system call than `read`, is not
/// judged blocked in `read` either: the oracle names the call.
fn call_asleep_in_another_syscall_is_not_judged_blocked() -> Result<(), Failed> {
    if !cfg!(target_os = "linux") {
        // Without /proc/PID/syscall the oracle sees the state only.
        return Ok(());
    }
    misbehave(
        Misbehaviour::HangAsleep,
        Call::Read,
        Expect::FailAt(0, "reader", "watchdog"),
    )
}

fn process_forked_by_a_call_that_exits_is_killed() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::ForkAndExit,
        Call::Write,
        Expect::FailAt(1, "writer", "exited with status 0"),
    )
}

fn process_forked_by_a_call_is_a_finding() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::ForkAndReturn,
        Call::Write,
        Expect::Finding("outlived its actors"),
    )
}

fn process_that_leaves_the_group_is_found_and_killed() -> Result<(), Failed> {
    if !cfg!(target_os = "linux") {
        // Only a Linux subreaper finds a process that left the group.
        return Ok(());
    }
    misbehave(
        Misbehaviour::ForkEscapeGroup,
        Call::Write,
        Expect::Finding("left its process group"),
    )
}

fn closed_control_channel_is_a_failure() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::CloseControl,
        Call::Write,
        Expect::FailAt(1, "writer", "control channel"),
    )
}

fn closed_control_channel_then_hang_is_a_failure() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::CloseControlAndHang,
        Call::Write,
        Expect::FailAt(1, "writer", "control channel"),
    )
}

fn flooded_output_does_not_stall_the_run() -> Result<(), Failed> {
    misbehave(Misbehaviour::FloodOutput, Call::Write, Expect::Pass)
}

fn exhausted_descriptors_are_still_listed() -> Result<(), Failed> {
    misbehave(
        Misbehaviour::ExhaustFds,
        Call::Write,
        Expect::Finding("still holds fd"),
    )
}

/// This module's trials.
pub fn tests() -> Vec<(&'static str, TestFn)> {
    vec![
        (
            "harness::segfault_in_a_call_is_a_failure",
            segfault_in_a_call_is_a_failure,
        ),
        (
            "harness::abort_in_a_call_is_a_failure",
            abort_in_a_call_is_a_failure,
        ),
        (
            "harness::panic_in_a_call_is_a_failure",
            panic_in_a_call_is_a_failure,
        ),
        (
            "harness::call_asleep_elsewhere_is_killed_by_the_watchdog",
            call_asleep_elsewhere_is_killed_by_the_watchdog,
        ),
        (
            "harness::spinning_call_is_killed_by_the_watchdog",
            spinning_call_is_killed_by_the_watchdog,
        ),
        (
            "harness::spinning_call_is_never_judged_blocked",
            spinning_call_is_never_judged_blocked,
        ),
        (
            "harness::call_asleep_in_another_syscall_is_not_judged_blocked",
            call_asleep_in_another_syscall_is_not_judged_blocked,
        ),
        (
            "harness::process_forked_by_a_call_that_exits_is_killed",
            process_forked_by_a_call_that_exits_is_killed,
        ),
        (
            "harness::process_forked_by_a_call_is_a_finding",
            process_forked_by_a_call_is_a_finding,
        ),
        (
            "harness::process_that_leaves_the_group_is_found_and_killed",
            process_that_leaves_the_group_is_found_and_killed,
        ),
        (
            "harness::closed_control_channel_is_a_failure",
            closed_control_channel_is_a_failure,
        ),
        (
            "harness::closed_control_channel_then_hang_is_a_failure",
            closed_control_channel_then_hang_is_a_failure,
        ),
        (
            "harness::flooded_output_does_not_stall_the_run",
            flooded_output_does_not_stall_the_run,
        ),
        (
            "harness::exhausted_descriptors_are_still_listed",
            exhausted_descriptors_are_still_listed,
        ),
    ]
}

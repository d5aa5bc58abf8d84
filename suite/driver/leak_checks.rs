//! The leak check from the kernel's side: the driver reads each actor's descriptor
//! table itself, so an implementation whose handles expose no descriptor still gets a
//! leak verdict, and the report says how each process was checked.

use ipc_conformance::driver::{LeakEvidence, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::mechanism::{Implementation, Streams};
use ipc_conformance::scenario::{Action, End, Expectation, Mechanism, Scenario, ScenarioBuilder};
use libtest_mimic::Failed;

use super::faulty::{Fault, Faulty};
use super::{check, run, TestFn};

/// The kernel's table is read on Linux (`/proc/PID/fd`) and macOS (`proc_pidinfo`).
fn kernel_table_readable() -> bool {
    cfg!(any(target_os = "linux", target_os = "macos"))
}

/// One process that holds a pipe's read end and closes it: afterwards it must hold no
/// descriptor of the pipe.
fn close_the_read_end() -> Result<Scenario, Failed> {
    Ok(ScenarioBuilder::new("pipe::inline_close", Mechanism::Pipe)
        .related("reader", &[End::Read])
        .step(
            &[("reader", Action::Close(End::Read))],
            Expectation::Succeeds,
        )
        .build()?)
}

fn evidence_of<I: Implementation>(
    s: &Scenario,
    iut: &I,
) -> Result<(Verdict, Vec<String>, LeakEvidence), Failed> {
    let report = run(s, iut);
    let [only] = &report.leak_checks[..] else {
        return Err(format!("one leak check per process, got {:?}", report.leak_checks).into());
    };
    Ok((report.verdict, report.findings, only.evidence.clone()))
}

fn a_leak_behind_hidden_descriptors_fails_from_the_kernel_table() -> Result<(), Failed> {
    if !kernel_table_readable() {
        return Ok(());
    }
    let iut = Streams(Faulty(Fault::HiddenDescriptorLeaks));
    let (verdict, findings, evidence) = evidence_of(&close_the_read_end()?, &iut)?;
    let Verdict::Fail(failure) = &verdict else {
        return Err(format!("expected a failure, got {verdict:?}").into());
    };
    // The descriptor is named with what it refers to, as the kernel's table shows it.
    check(
        failure.observed.contains("process reader still holds fd ")
            && failure.observed.contains("-> pipe:["),
        || format!("the failure names no pipe descriptor: {failure}"),
    )?;
    check(findings.len() == 1, || {
        format!("one finding, got {findings:?}")
    })?;
    check(
        evidence == LeakEvidence::KernelTableCounted { handles: 0 },
        || format!("counted against no handle from the kernel's table, got {evidence:?}"),
    )
}

fn the_os_is_matched_descriptor_by_descriptor_and_passes() -> Result<(), Failed> {
    if !kernel_table_readable() {
        return Ok(());
    }
    let (verdict, findings, evidence) = evidence_of(&close_the_read_end()?, &Os)?;
    check(verdict == Verdict::Pass, || {
        format!("{verdict:?}, findings {findings:?}")
    })?;
    check(evidence == LeakEvidence::KernelTable, || {
        format!("matched against the exposed descriptors, got {evidence:?}")
    })
}

pub fn tests() -> Vec<(&'static str, TestFn)> {
    vec![
        (
            "driver::a_leak_behind_hidden_descriptors_fails_from_the_kernel_table",
            a_leak_behind_hidden_descriptors_fails_from_the_kernel_table,
        ),
        (
            "driver::the_os_is_matched_descriptor_by_descriptor_and_passes",
            the_os_is_matched_descriptor_by_descriptor_and_passes,
        ),
    ]
}

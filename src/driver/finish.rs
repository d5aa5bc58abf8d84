//! Finishing a run, however the play ended: release what is left (kill calls still
//! blocked; read the others' descriptor tables from the kernel, then tell them to finish
//! and say what they hold, for the leak check), reap every process, sweep processes
//! that outlived the actors, read the rest of the log into the timeline, and remove the
//! run's names.

use std::time::Duration;

use nix::unistd::Pid;

use super::cleanup::{group_alive, kill_group};
use super::control::{Command, Reply};
use super::fd_table::FdTable;
use super::leaks::{LeakCheck, LeakEvidence};
use super::options::LOG_SLOTS;
use super::setup::Workspace;
use super::stage::{ActorState, Stage};
use super::strays::kill_strays;
use crate::driver::TimelineEntry;
use crate::scenario::{ProcessIndex, StepIndex};

/// What the finish found.
pub(super) struct Finished {
    /// Problems about the implementation found after the steps: descriptors the
    /// processes still hold, processes that outlived them, a log cut short.
    pub(super) findings: Vec<String>,
    /// Every record of the run, in order.
    pub(super) timeline: Vec<TimelineEntry>,
    /// How each process was checked for leaked descriptors.
    pub(super) leak_checks: Vec<LeakCheck>,
}

/// Finish the run the play left at `step`; dropping the stage and the workspace at the
/// end removes the run's private directory and hosts.
pub(super) fn finish(mut stage: Stage<'_>, workspace: Workspace, step: usize) -> Finished {
    let mut findings = Vec::new();
    let failed = stage
        .actors
        .iter()
        .any(|a| a.gone.is_none() && a.pending.is_some());
    let live: Vec<usize> = (0..stage.actors.len())
        .filter(|&i| stage.actors[i].gone.is_none())
        .collect();
    // Each table is read while its process waits for a command: what it holds then is
    // what it answers to `Finish`.
    let mut tables_at_end: Vec<Option<Result<FdTable, String>>> = stage
        .actors
        .iter()
        .map(|a| (a.gone.is_none() && a.answers()).then(|| FdTable::read(a.pid)))
        .collect();
    let mut leak_checks: Vec<LeakCheck> = stage
        .actors
        .iter()
        .zip(&stage.scenario.processes)
        .map(|(actor, process)| LeakCheck {
            process: process.name.clone(),
            evidence: LeakEvidence::Unchecked {
                why: unchecked(actor).to_owned(),
            },
        })
        .collect();
    // Tell every process first, then collect: they answer and exit side by side.
    for &i in &live {
        let actor = &mut stage.actors[i];
        if !actor.answers() || Command::Finish.send(&mut actor.control).is_err() {
            let _ = nix::sys::signal::kill(actor.pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
    for &i in &live {
        if let Some(end) = tables_at_end[i].take() {
            if let Ok(Reply::Finished(holding)) = Reply::recv(&mut stage.actors[i].control) {
                let (leaks, evidence) = stage.leak_baseline.check(i, end, &holding);
                let name = &stage.scenario.processes[i].name;
                findings.extend(
                    leaks
                        .into_iter()
                        .map(|l| format!("process {name} still holds {l}")),
                );
                leak_checks[i].evidence = evidence;
            }
        }
        stage.reap(ProcessIndex(i), step);
    }
    if group_alive(stage.pgid) {
        if !failed {
            findings.push("a process of the scenario outlived its actors".to_owned());
        }
        kill_group(stage.pgid);
    }
    let actors: Vec<Pid> = stage.actors.iter().map(|a| a.pid).collect();
    let strays = kill_strays(&workspace.children_before, &actors, stage.pgid);
    if strays.left_group > 0 {
        findings.push(format!(
            "{} process(es) of the scenario left its process group and outlived its actors",
            strays.left_group
        ));
    }
    if stage.log.overflowed() {
        findings.push(format!(
            "the event log overflowed its {LOG_SLOTS} slots; the timeline is cut"
        ));
    }
    let rest = stage.log.take_new();
    stage.events.extend(rest);
    Finished {
        findings,
        timeline: timeline(&stage),
        leak_checks,
    }
}

/// Why a process is not checked for leaks, unless it answers `Finish`.
fn unchecked(actor: &ActorState) -> &'static str {
    if actor.gone.is_some() {
        "the process ended before the finish, and its descriptors with it"
    } else if actor.execed {
        "the process ran exec and is no actor any more"
    } else if actor.pending.is_some() {
        "its call had not returned when the run ended"
    } else {
        "it did not say what it holds"
    }
}

/// The log's records as the report shows them, timed from the start of set-up.
fn timeline(stage: &Stage<'_>) -> Vec<TimelineEntry> {
    stage
        .events
        .iter()
        .map(|e| TimelineEntry {
            seq: e.seq,
            at: Duration::from_nanos(e.time_ns.saturating_sub(stage.start_ns)),
            process: stage.scenario.processes[e.actor as usize].name.clone(),
            step: StepIndex(e.step as usize),
            kind: e.kind,
            text: e.text.clone(),
        })
        .collect()
}

//! Runs one scenario, in phases that hand each other what they made: set-up
//! (`setup.rs`: the driver's channels, the object, the forked actors) yields the stage
//! and the workspace; the play (`play.rs`) acts on the stage and yields the verdict of
//! the steps; the finish (`finish.rs`) takes both, reaps and removes everything, and
//! yields what it found. Before them, whether the scenario applies at all; after them,
//! the verdict in the light of the deviations the implementation declares.

use std::time::{Duration, Instant};

use super::dispatch::{family_missing, with_family, FamilyVisitor};
use super::error::SkipReason;
use super::exec_actor::exec_skip_reason;
use super::family::Family;
use super::finish::finish;
use super::hosts;
use super::options::RunOptions;
use super::play::play;
use super::setup::set_up;
use crate::driver::{Failure, ScenarioReport, Verdict};
use crate::judge::Cause;
use crate::mechanism::{missing_capability, required_capabilities, Deviation, Implementation};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// Run one scenario against an implementation, through the family its mechanism
/// belongs to; a family the implementation does not provide makes it a skip.
pub fn run_scenario<I: Implementation>(
    scenario: &Scenario,
    iut: &I,
    opts: &RunOptions,
) -> ScenarioReport {
    let opts = &opts.for_implementation(iut);
    with_family(
        scenario.mechanism,
        iut,
        opts.profile,
        Running { scenario, opts },
    )
    .unwrap_or_else(|| {
        let reason = family_missing(scenario.mechanism, iut);
        skipped(scenario, iut.name(), reason)
    })
}

/// Why `scenario` would be skipped against `iut` here, known without running it: the
/// mechanism or a capability the implementation does not declare, or a platform
/// feature this platform lacks.
pub fn skip_reason_for<I: Implementation>(
    scenario: &Scenario,
    iut: &I,
    opts: &RunOptions,
) -> Option<String> {
    let profile = opts.for_implementation(iut).profile;
    with_family(
        scenario.mechanism,
        iut,
        profile,
        Applicability { scenario, profile },
    )
    .unwrap_or_else(|| Err(family_missing(scenario.mechanism, iut)))
    .err()
    .map(|SkipReason(reason)| reason)
}

/// Run one scenario against one family of an implementation: whether it applies here,
/// then its phases, then the verdict in the light of the deviations the implementation
/// declares.
fn run_family<F: Family>(scenario: &Scenario, family: &F, opts: &RunOptions) -> ScenarioReport {
    let started = Instant::now();
    let mut report = new_report(scenario, family.name());
    let verdict = match applicability(scenario, family, opts.profile) {
        Err(reason) => reason.into_verdict(),
        Ok(()) => run_phases(scenario, family, opts, &mut report),
    };
    report.verdict = declared(verdict, scenario, family.deviations());
    family.clean_up();
    report.duration = started.elapsed();
    report
}

/// The phases, in order: set up the actors, play the steps, finish (reap and remove
/// everything); the play's verdict, failed if the finish found something left behind.
fn run_phases<F: Family>(
    scenario: &Scenario,
    family: &F,
    opts: &RunOptions,
    report: &mut ScenarioReport,
) -> Verdict {
    let (mut stage, workspace) = match set_up(scenario, family, opts) {
        Ok(set) => set,
        Err(e) => return e.into_verdict(),
    };
    // The judge reads sizes from the profile the actors were given.
    let opts = &RunOptions {
        profile: stage.profile,
        ..opts.clone()
    };
    report.measurements = std::mem::take(&mut stage.measurements);
    // The object may lack what the scenario's rule needs (a pipe at the default
    // capacity): known only now that it is made and measured.
    let unmet = skip_reason(scenario, opts.profile)
        .map(|why| {
            format!(
                "{why} (the object under test: {})",
                report.measurements.join("; ")
            )
        })
        .or_else(|| premise_unmet(scenario, opts.profile));
    if let Some(reason) = unmet {
        // Nothing was played: the finish reaps the actors and removes the names.
        let _ = finish(stage, workspace, 0);
        return Verdict::Skip(reason);
    }
    let played = play(&mut stage, opts);
    let finished = finish(stage, workspace, played.step);
    report.findings = finished.findings;
    report.timeline = finished.timeline;
    report.leak_checks = finished.leak_checks;
    report.blocking = played.blocking;
    match played.verdict {
        Verdict::Pass if !report.findings.is_empty() => Verdict::Fail(Failure {
            step: None,
            process: None,
            cause: Cause::left_behind(),
            expected: "nothing left behind".to_owned(),
            observed: report.findings.join("; "),
            more: Vec::new(),
        }),
        v => v,
    }
}

/// A verdict in the light of the deviations the implementation declares: a declared
/// failure is a [`Verdict::Deviation`], and a declared failure that did not happen is a
/// failure of the declaration.
fn declared(verdict: Verdict, scenario: &Scenario, deviations: &[Deviation]) -> Verdict {
    let Some(deviation) = deviations.iter().find(|d| d.scenario == scenario.id) else {
        return verdict;
    };
    match verdict {
        Verdict::Fail(failure) => Verdict::Deviation {
            reason: deviation.reason.to_owned(),
            failure,
        },
        Verdict::Pass => Verdict::Fail(Failure {
            step: None,
            process: None,
            cause: Cause::undeclared(),
            expected: format!("the declared deviation: {}", deviation.reason),
            observed: "the scenario passed".to_owned(),
            more: Vec::new(),
        }),
        other => other,
    }
}

/// Whether `s` applies to `family` here; else why it is skipped.
fn applicability<F: Family>(
    s: &Scenario,
    family: &F,
    profile: &PlatformProfile,
) -> Result<(), SkipReason> {
    family.provides(s.mechanism)?;
    if let Some(reason) = family.unsupported(s) {
        return Err(reason);
    }
    if let Some(reason) = exec_skip_reason(family.actor_start(), family.name(), s) {
        return Err(reason);
    }
    let required = required_capabilities(s);
    let reason = missing_capability(family.name(), family.capabilities(s.mechanism), &required)
        .or_else(|| skip_reason(s, profile))
        .map(SkipReason);
    let hosts = || {
        s.processes
            .iter()
            .any(|p| p.host.is_some())
            .then(hosts::unavailable)
            .flatten()
    };
    match reason.or_else(hosts) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}

/// A run of the scenario through its family.
struct Running<'a> {
    scenario: &'a Scenario,
    opts: &'a RunOptions,
}

impl FamilyVisitor for Running<'_> {
    type Output = ScenarioReport;

    fn visit<F: Family>(self, family: &F) -> ScenarioReport {
        run_family(self.scenario, family, self.opts)
    }
}

/// Why the scenario would be skipped with a family, if it would.
struct Applicability<'a> {
    scenario: &'a Scenario,
    profile: &'a PlatformProfile,
}

impl FamilyVisitor for Applicability<'_> {
    type Output = Result<(), SkipReason>;

    fn visit<F: Family>(self, family: &F) -> Result<(), SkipReason> {
        applicability(self.scenario, family, self.profile)
    }
}

/// Why `scenario` cannot be played against the object set-up measured: a step whose
/// allowed counts are empty under the object's sizes (a pipe already at the largest
/// size it may be grown to, asked to grow). Its rule is about an object it did not get:
/// a skip, with the reason.
fn premise_unmet(scenario: &Scenario, profile: &PlatformProfile) -> Option<String> {
    let mut expectations = scenario
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, step)| step.judged_actions().map(move |(_, _, e)| (i, e)));
    expectations.find_map(|(i, expect)| {
        let expect = match expect {
            Expectation::Platform(p) => p.for_platform(profile.platform)?,
            other => other,
        };
        let Expectation::ReturnsBetween(lo, hi) = expect else {
            return None;
        };
        let (lo_n, hi_n) = (profile.resolve(*lo).ok()?, profile.resolve(*hi).ok()?);
        (lo_n > hi_n).then(|| {
            format!(
                "step {i} allows no count for this object: between {lo} ({lo_n}) and {hi} \
                 ({hi_n}), with PIPE_CAPACITY {} as read from it",
                profile
                    .pipe_capacity
                    .map_or_else(|| "unknown".to_owned(), |c| c.to_string())
            )
        })
    })
}

fn new_report(scenario: &Scenario, implementation: &str) -> ScenarioReport {
    ScenarioReport {
        id: scenario.id.clone(),
        implementation: implementation.to_owned(),
        verdict: Verdict::Pass,
        processes: scenario.processes.iter().map(|p| p.name.clone()).collect(),
        findings: Vec::new(),
        timeline: Vec::new(),
        notes: scenario
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, step)| Some((StepIndex(i), step.note.clone()?)))
            .collect(),
        blocking: Vec::new(),
        measurements: Vec::new(),
        leak_checks: Vec::new(),
        duration: Duration::ZERO,
    }
}

fn skipped(scenario: &Scenario, implementation: &str, reason: SkipReason) -> ScenarioReport {
    ScenarioReport {
        verdict: reason.into_verdict(),
        ..new_report(scenario, implementation)
    }
}

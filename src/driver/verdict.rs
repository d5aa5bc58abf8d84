//! The result of running one scenario against one implementation.

use std::fmt;
use std::time::Duration;

use super::error::{FailedBeforeFork, HarnessError, SetupError, SkipReason};
use crate::driver::{EventKind, Evidence, LeakCheck};
use crate::judge::Cause;
use crate::scenario::Errno;
use crate::scenario::{ProcessName, StepIndex};

/// What a step's check found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The step, when a step failed (leaks are found after the last).
    pub step: Option<StepIndex>,
    /// The process whose action failed.
    pub process: Option<ProcessName>,
    /// The rule the failed check found broken: what failures of one root cause share.
    pub cause: Cause,
    /// What the scenario expected, in words.
    pub expected: String,
    /// What happened, in words.
    pub observed: String,
    /// The other actions of the same step that failed their checks, in the step's
    /// order: a step is judged whole, so one failure names every mismatch in it.
    pub more: Vec<Failure>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.step, &self.process) {
            (Some(s), Some(p)) => write!(f, "step {s}, process {p}: ")?,
            (Some(s), None) => write!(f, "step {s}: ")?,
            _ => {}
        }
        write!(f, "expected {}; observed {}", self.expected, self.observed)?;
        if !self.more.is_empty() {
            write!(f, "; and {} more:", self.more.len())?;
            for other in &self.more {
                write!(f, " {other};")?;
            }
        }
        Ok(())
    }
}

/// The three kinds of result never mix: the implementation passed or failed a check,
/// the scenario does not apply here, or the harness itself could not run it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Every expectation was met and nothing was left behind.
    Pass,
    /// The implementation did not do what the scenario says.
    Fail(Failure),
    /// The implementation failed as it declares it does on purpose: reported as such,
    /// never counted as a pass.
    Deviation {
        /// What the implementation declares it does instead.
        reason: String,
        /// The check that failed.
        failure: Failure,
    },
    /// The scenario does not apply to this platform or implementation; the reason.
    Skip(String),
    /// The harness could not run the scenario (fork failed, no /proc, …); never counted
    /// as non-conformance.
    HarnessError(String),
}

/// A blocking claim the driver confirmed, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockingVerdict {
    /// The step.
    pub step: StepIndex,
    /// The process.
    pub process: ProcessName,
    /// How it was decided.
    pub evidence: Evidence,
    /// From the actor's start marker to the driver's verdict.
    pub latency: Duration,
}

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The global sequence number.
    pub seq: u32,
    /// Time since the scenario started.
    pub at: Duration,
    /// The process.
    pub process: ProcessName,
    /// The step.
    pub step: StepIndex,
    /// What happened.
    pub kind: EventKind,
    /// Details: the call, the result, the wait channel.
    pub text: String,
}

/// Everything known about one run of one scenario.
#[derive(Clone, Debug)]
pub struct ScenarioReport {
    /// `mechanism::file_stem`.
    pub id: String,
    /// The implementation's name.
    pub implementation: String,
    /// The result.
    pub verdict: Verdict,
    /// The scenario's processes, in the order it names them: the lanes of its pictures.
    pub processes: Vec<ProcessName>,
    /// Problems found after the steps (leaked descriptors, processes left behind).
    pub findings: Vec<String>,
    /// Every process's actions in one order.
    pub timeline: Vec<TimelineEntry>,
    /// The steps' remarks (`note` in a file), in step order: the timeline shows each
    /// where its step starts.
    pub notes: Vec<(StepIndex, String)>,
    /// The blocking claims confirmed, with their evidence.
    pub blocking: Vec<BlockingVerdict>,
    /// The sizes the run used that set-up read from the object under test, or took as
    /// given where it could not, each naming its source (`PIPE_CAPACITY = 4096: read
    /// from the object under test (F_GETPIPE_SZ)`).
    pub measurements: Vec<String>,
    /// How each process was checked for leaked descriptors: from the kernel's table, or
    /// weaker where it could not be read.
    pub leak_checks: Vec<LeakCheck>,
    /// Wall time of the whole scenario.
    pub duration: Duration,
}

impl ScenarioReport {
    /// The notes to show before a timeline entry of `step`, given that those before
    /// `shown` are shown already: each note of a step up to `step`, once. Entries come in
    /// the event log's order, where a call woken later may belong to an earlier step,
    /// so a note is due once any entry of its step, or of a later one, comes.
    pub fn notes_due(&self, step: StepIndex, shown: &mut usize) -> &[(StepIndex, String)] {
        let from = *shown;
        while self.notes.get(*shown).is_some_and(|(s, _)| *s <= step) {
            *shown += 1;
        }
        &self.notes[from..*shown]
    }

    /// Whether this counts as a failure of the implementation or of the harness.
    pub fn is_failure(&self) -> bool {
        matches!(self.verdict, Verdict::Fail(_) | Verdict::HarnessError(_))
    }
}

// How the errors of a run become its verdict: each kind its own.

impl HarnessError {
    /// The verdict of a run the harness could not make.
    pub(crate) fn into_verdict(self) -> Verdict {
        Verdict::HarnessError(self.with_causes())
    }
}

impl FailedBeforeFork {
    /// The verdict of a run whose object could not be made.
    pub(crate) fn into_verdict(self) -> Verdict {
        if self.errno == Errno::UNSUPPORTED {
            return Verdict::Skip(format!(
                "implementation `{}` has no `{}` to make the object before the fork",
                self.implementation, self.call
            ));
        }
        Verdict::Fail(Failure {
            step: None,
            process: None,
            cause: Cause::not_made(),
            expected: "the object is made before the fork".to_owned(),
            observed: self.to_string(),
            more: Vec::new(),
        })
    }
}

impl SetupError {
    /// The verdict of a run that could not start.
    pub(crate) fn into_verdict(self) -> Verdict {
        match self {
            SetupError::Implementation(e) => e.into_verdict(),
            SetupError::Harness(e) => e.into_verdict(),
        }
    }
}

impl SkipReason {
    /// The verdict of a scenario skipped for this reason.
    pub(crate) fn into_verdict(self) -> Verdict {
        Verdict::Skip(self.0)
    }
}

//! One scenario's result as plain owned data: what the JSON lines and the JUnit file
//! are made from, and what `run --jobs` workers send back to the parent.
//!
//! The field names are a stable interface (docs/report-formats.md): add fields, never
//! rename or remove one without raising [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

use crate::driver::{EventKind, ScenarioReport, Verdict};
use crate::platform::Platform;
use crate::scenario::Scenario;

/// The version of the record's schema, carried in every record as `schema`.
pub const SCHEMA_VERSION: u32 = 1;

/// One scenario run against one implementation, as the machine-readable formats show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// `mechanism::behaviour`.
    pub id: String,
    /// The mechanism's name (`pipe`, `unix-stream`, …).
    pub mechanism: String,
    /// The implementation under test (`os`, `std`, …).
    pub implementation: String,
    /// The platform profile the run used (`linux`, `macos`).
    pub platform: String,
    /// `pass`, `fail`, `deviation`, `skip` or `harness_error`.
    pub verdict: String,
    /// Why it was skipped, the declared deviation, or what stopped the harness.
    pub reason: Option<String>,
    /// The scenario's one-line summary.
    pub summary: String,
    /// The scenario file, when it came from one.
    pub source: Option<String>,
    /// Wall time of the scenario in milliseconds.
    pub duration_ms: f64,
    /// The failed check, for `fail` and `deviation`.
    pub failure: Option<FailureRecord>,
    /// Problems found after the steps (leaked descriptors, processes left behind).
    pub findings: Vec<String>,
    /// The sizes the run read from the object under test (or took as given), each with
    /// its source: what the expectations were stated against.
    #[serde(default)]
    pub measurements: Vec<String>,
    /// How each process's leak check was made, or why it was not.
    #[serde(default)]
    pub leak_checks: Vec<LeakCheckRecord>,
    /// The blocking claims the driver confirmed.
    pub blocking: Vec<BlockingRecord>,
    /// Every process's events in one order.
    pub timeline: Vec<EventRecord>,
}

/// The check that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// The step, counted from 1; absent for problems found after the last step.
    pub step: Option<usize>,
    /// The process whose action failed.
    pub process: Option<String>,
    /// The kind of check that failed (`result`, `blocking`, `left_behind`, …).
    #[serde(default)]
    pub check: String,
    /// The rule the check found broken, without the scenario's particulars: records
    /// with the same cause are one root cause.
    #[serde(default)]
    pub cause: String,
    /// What the scenario expected, in words.
    pub expected: String,
    /// What happened, in words.
    pub observed: String,
    /// The other checks of the same step that failed, each as `step S, process P:
    /// expected …; observed …`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<String>,
}

/// A confirmed blocking claim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockingRecord {
    /// The step, counted from 1.
    pub step: usize,
    /// The process that blocked.
    pub process: String,
    /// How it was decided, in words.
    pub evidence: String,
    /// From the call's start to the verdict, in milliseconds.
    pub latency_ms: f64,
}

/// How one process's leak check was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakCheckRecord {
    /// The process.
    pub process: String,
    /// `kernel_table`, `kernel_table_counted`, `own_listing` or `unchecked`, from the
    /// strongest to none.
    pub kind: String,
    /// The same in words, with the reason when it is weaker.
    pub evidence: String,
}

/// One event of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The global sequence number.
    pub seq: u32,
    /// Milliseconds since the scenario started.
    pub at_ms: f64,
    /// The process.
    pub process: String,
    /// The step, counted from 1.
    pub step: usize,
    /// `start`, `blocked`, `end` or `gone`.
    pub event: String,
    /// The call, its result or the wait channel.
    pub text: String,
}

fn ms(d: std::time::Duration) -> f64 {
    // Whole microseconds, so the text form stays short.
    (d.as_micros() as f64) / 1e3
}

impl ScenarioRecord {
    /// The record of `report`, a run of `scenario` with the profile of `platform`.
    pub fn new(scenario: &Scenario, report: &ScenarioReport, platform: Platform) -> Self {
        let (verdict, reason, failure) = match &report.verdict {
            Verdict::Pass => ("pass", None, None),
            Verdict::Fail(f) => ("fail", None, Some(f)),
            Verdict::Deviation { reason, failure } => {
                ("deviation", Some(reason.clone()), Some(failure))
            }
            Verdict::Skip(reason) => ("skip", Some(reason.clone()), None),
            Verdict::HarnessError(e) => ("harness_error", Some(e.clone()), None),
        };
        ScenarioRecord {
            schema: SCHEMA_VERSION,
            id: scenario.id.clone(),
            mechanism: scenario.mechanism.name().to_owned(),
            implementation: report.implementation.clone(),
            platform: platform.to_string(),
            verdict: verdict.to_owned(),
            reason,
            summary: scenario.summary.clone(),
            source: scenario.source.as_ref().map(|p| p.display().to_string()),
            duration_ms: ms(report.duration),
            failure: failure.map(|f| FailureRecord {
                step: f.step.map(|s| s.0 + 1),
                process: f.process.as_ref().map(|p| p.0.clone()),
                check: f.cause.check.name().to_owned(),
                cause: f.cause.rule.clone(),
                expected: f.expected.clone(),
                observed: f.observed.clone(),
                more: f.more.iter().map(ToString::to_string).collect(),
            }),
            findings: report.findings.clone(),
            measurements: report.measurements.clone(),
            leak_checks: report
                .leak_checks
                .iter()
                .map(|c| LeakCheckRecord {
                    process: c.process.0.clone(),
                    kind: c.evidence.kind().to_owned(),
                    evidence: c.evidence.to_string(),
                })
                .collect(),
            blocking: report
                .blocking
                .iter()
                .map(|b| BlockingRecord {
                    step: b.step.0 + 1,
                    process: b.process.0.clone(),
                    evidence: b.evidence.to_string(),
                    latency_ms: ms(b.latency),
                })
                .collect(),
            timeline: report
                .timeline
                .iter()
                .map(|e| EventRecord {
                    seq: e.seq,
                    at_ms: ms(e.at),
                    process: e.process.0.clone(),
                    step: e.step.0 + 1,
                    event: event_name(e.kind).to_owned(),
                    text: e.text.clone(),
                })
                .collect(),
        }
    }

    /// Whether this counts against the run: a failure or a harness error.
    pub fn is_failure(&self) -> bool {
        matches!(self.verdict.as_str(), "fail" | "harness_error")
    }
}

fn event_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Start => "start",
        EventKind::Blocked => "blocked",
        EventKind::End => "end",
        EventKind::Gone => "gone",
    }
}

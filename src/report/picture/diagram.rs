//! The sequence diagram both pictures draw, read off a report's timeline: a lane per
//! process, a row per event, which calls are open (and asleep) in each lane after each
//! row, the step that released each blocked call, and where the failing check goes.

use crate::driver::{EventKind, Failure, ScenarioReport, TimelineEntry, Verdict};

/// What a lane is doing after a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LaneState {
    /// Alive and between calls.
    Idle,
    /// Inside a call.
    InCall,
    /// Asleep inside a call.
    Blocked,
    /// The process has ended.
    Gone,
}

/// What one row shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RowKind {
    /// A call starts.
    Start,
    /// The driver sends a signal to the lane's process (`kill()`).
    Signal,
    /// The driver's `kill()` returned.
    SignalSent,
    /// The call of the row's step was seen asleep; the kernel's wait channel when known,
    /// else the evidence in words.
    Blocked {
        /// The wait channel (`pipe_read`, `unix_stream_data_wait`, …).
        wchan: Option<String>,
    },
    /// A call returned.
    End {
        /// Whether it had been seen asleep.
        was_blocked: bool,
    },
    /// The process ended.
    Gone {
        /// It was killed by a signal.
        killed: bool,
    },
}

/// The step whose action woke a blocked call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Release {
    /// The row of the releasing action's start.
    pub row: usize,
    /// Its lane.
    pub lane: usize,
}

/// One event, placed.
#[derive(Clone, Debug)]
pub(crate) struct Row<'a> {
    /// The event.
    pub entry: &'a TimelineEntry,
    /// Its lane.
    pub lane: usize,
    /// What it shows.
    pub kind: RowKind,
    /// For the end of a blocked call (or the death of a blocked process): what woke it.
    pub released_by: Option<Release>,
    /// Every lane's state after this row.
    pub states: Vec<LaneState>,
    /// For a start: the row where its call ends, if it does.
    pub ends_at: Option<usize>,
}

/// Where the failing check is shown.
#[derive(Clone, Debug)]
pub(crate) struct FailureMark<'a> {
    /// The row it follows (the failing process's last event of the step); `None` when
    /// the failure is not a step's (leaks), shown after every row.
    pub after_row: Option<usize>,
    /// The failing process's lane.
    pub lane: Option<usize>,
    /// The start row of the failing process's call the check looked at: its last call
    /// started by then.
    pub call: Option<usize>,
    /// The failure.
    pub failure: &'a Failure,
    /// A declared deviation, not a failure.
    pub declared: bool,
}

/// The whole picture.
#[derive(Clone, Debug)]
pub(crate) struct Diagram<'a> {
    /// Process names, in the order they first appear.
    pub lanes: Vec<&'a str>,
    /// One per event, in the log's order.
    pub rows: Vec<Row<'a>>,
    /// The failing check, if any.
    pub failure: Option<FailureMark<'a>>,
}

/// A call still open in a lane: the step it belongs to, its start row, and whether it
/// was seen asleep.
struct Open {
    step: usize,
    row: usize,
    blocked: bool,
}

impl<'a> Diagram<'a> {
    /// Lay out a report's timeline.
    pub(crate) fn new(report: &'a ScenarioReport) -> Self {
        // A lane per process that acted, in the order the scenario names them.
        let mut lanes: Vec<&str> = report
            .processes
            .iter()
            .map(|p| p.0.as_str())
            .filter(|name| report.timeline.iter().any(|e| e.process.0 == *name))
            .collect();
        for e in &report.timeline {
            if !lanes.contains(&e.process.0.as_str()) {
                lanes.push(&e.process.0);
            }
        }
        let mut open: Vec<Vec<Open>> = lanes.iter().map(|_| Vec::new()).collect();
        let mut gone = vec![false; lanes.len()];
        let mut rows: Vec<Row<'a>> = Vec::with_capacity(report.timeline.len());
        for (i, e) in report.timeline.iter().enumerate() {
            let lane = lanes
                .iter()
                .position(|l| *l == e.process.0)
                .expect("every process has a lane");
            let step = e.step.0;
            let mut released_by = None;
            let kind = match e.kind {
                EventKind::Start if is_signal(&e.text) => RowKind::Signal,
                EventKind::Start => {
                    open[lane].push(Open {
                        step,
                        row: i,
                        blocked: false,
                    });
                    RowKind::Start
                }
                EventKind::Blocked => {
                    if let Some(o) = open[lane].iter_mut().rev().find(|o| o.step == step) {
                        o.blocked = true;
                    }
                    RowKind::Blocked {
                        wchan: wait_channel(&e.text),
                    }
                }
                EventKind::End => match open[lane].iter().rposition(|o| o.step == step) {
                    Some(at) => {
                        let o = open[lane].remove(at);
                        rows[o.row].ends_at = Some(i);
                        if o.blocked {
                            released_by = releaser(&rows, o.step);
                        }
                        RowKind::End {
                            was_blocked: o.blocked,
                        }
                    }
                    // The driver's kill returned: it has no start among the lane's calls.
                    None => RowKind::SignalSent,
                },
                EventKind::Gone => {
                    if let Some(o) = open[lane].iter().find(|o| o.blocked) {
                        released_by = releaser(&rows, o.step);
                    }
                    open[lane].clear();
                    gone[lane] = true;
                    RowKind::Gone {
                        killed: e.text.starts_with("killed"),
                    }
                }
            };
            let states = (0..lanes.len())
                .map(|l| lane_state(gone[l], &open[l]))
                .collect();
            rows.push(Row {
                entry: e,
                lane,
                kind,
                released_by,
                states,
                ends_at: None,
            });
        }
        let failure = failure_mark(report, &lanes, &rows);
        Diagram {
            lanes,
            rows,
            failure,
        }
    }

    /// Every lane's state before the first row: alive and idle (the processes are forked
    /// before the first step).
    pub(crate) fn states_before(&self, row: usize) -> Vec<LaneState> {
        match row.checked_sub(1) {
            Some(prev) => self.rows[prev].states.clone(),
            None => vec![LaneState::Idle; self.lanes.len()],
        }
    }
}

fn lane_state(gone: bool, open: &[Open]) -> LaneState {
    if gone {
        LaneState::Gone
    } else if open.iter().any(|o| o.blocked) {
        LaneState::Blocked
    } else if open.is_empty() {
        LaneState::Idle
    } else {
        LaneState::InCall
    }
}

/// The driver records the signals it sends in the target's lane.
fn is_signal(text: &str) -> bool {
    text.starts_with("kill(") && text.ends_with("from the driver")
}

/// `read(fd 9) [kernel: asleep in the call; wchan anon_pipe_read]` → `anon_pipe_read`.
pub(crate) fn wait_channel(text: &str) -> Option<String> {
    let at = text.find("wchan ")? + "wchan ".len();
    let rest = &text[at..];
    let end = rest.find([']', ';', ' ']).unwrap_or(rest.len());
    Some(rest[..end].to_owned()).filter(|w| !w.is_empty())
}

/// The call of a `Blocked` row without its evidence: `read(fd 9)`.
pub(crate) fn call_of(text: &str) -> &str {
    text.split_once(" [").map_or(text, |(call, _)| call)
}

/// The last action started before now by a later step than the blocked call's: the one
/// that woke it (the driver plays steps in order, and a blocked call's end is logged
/// after whatever released it started).
fn releaser(rows: &[Row<'_>], blocked_step: usize) -> Option<Release> {
    rows.iter()
        .enumerate()
        .rev()
        .find(|(_, r)| {
            matches!(r.kind, RowKind::Start | RowKind::Signal) && r.entry.step.0 > blocked_step
        })
        .map(|(row, r)| Release { row, lane: r.lane })
}

fn failure_mark<'a>(
    report: &'a ScenarioReport,
    lanes: &[&str],
    rows: &[Row<'_>],
) -> Option<FailureMark<'a>> {
    let (failure, declared) = match &report.verdict {
        Verdict::Fail(f) => (f, false),
        Verdict::Deviation { failure, .. } => (failure, true),
        _ => return None,
    };
    let lane = failure
        .process
        .as_ref()
        .and_then(|p| lanes.iter().position(|l| *l == p.0));
    // The driver checks a step once every action of it has returned (or blocked), so
    // the check follows the last event of any process up to that step; the processes'
    // ends after it are the driver finishing (logged at the last step played, so they
    // cannot be told from a death in the step; the check is shown before them).
    let after_row = failure.step.and_then(|step| {
        let upto = |r: &Row<'_>| r.entry.step.0 <= step.0;
        let alive = rows
            .iter()
            .rposition(|r| upto(r) && !matches!(r.kind, RowKind::Gone { .. }));
        let gone = lane.and_then(|l| rows.iter().rposition(|r| r.lane == l && upto(r)));
        alive.or(gone)
    });
    let call = match (after_row, lane) {
        (Some(after), Some(lane)) => rows[..=after]
            .iter()
            .rposition(|r| r.lane == lane && r.kind == RowKind::Start),
        _ => None,
    };
    Some(FailureMark {
        after_row,
        lane,
        call,
        failure,
        declared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_channel_is_read_off_the_kernel_evidence() {
        assert_eq!(
            wait_channel("read(fd 9) [kernel: asleep in the call; wchan anon_pipe_read]"),
            Some("anon_pipe_read".to_owned())
        );
        assert_eq!(wait_channel("read(fd 9) [timeout: 100 ms]"), None);
        assert_eq!(call_of("read(fd 9) [kernel: asleep]"), "read(fd 9)");
    }
}

//! The four questions, per mechanism, answered from the catalogue's own scenarios and a
//! run's verdicts: which processes may use it (related, unrelated, on other hosts),
//! whether data flows
//! both ways, how many processes take part, and whether it synchronizes them (a reader
//! waits until data is there). A cell counts only scenarios that passed in this run.
//!
//! Data flow is read off the steps: a process that receives (reads, loads) and is
//! expected to get data someone sent (non-zero bytes, records, a positive count), at or
//! after a step where another process sent (wrote, stored), received from it. On a
//! semaphore what flows is a unit: a process whose wait (a take, or a wait for zero)
//! succeeds at or after a step where another gave (a positive operation, SETVAL)
//! received from it, and a wait that blocks until then synchronizes them. On a
//! process-shared lock what flows is the mutex, or a condition's signal: a lock or a
//! condition wait that succeeds at or after a step where another process unlocked or
//! signalled received from it.

use std::fmt::Write;

use crate::driver::Verdict;
use crate::scenario::{
    Action, Expectation, LockCall, Mechanism, Pattern, Payload, Relation, Scenario, Size,
    SocketCall,
};

/// One mechanism's answers, each with the scenarios that prove it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatrixRow {
    /// Passing scenarios where data flows between two related processes.
    pub related: Vec<String>,
    /// Passing scenarios where data flows to or from an unrelated process.
    pub unrelated: Vec<String>,
    /// Passing scenarios where data flows between processes on different hosts.
    pub across_hosts: Vec<String>,
    /// Passing scenarios where data flows both ways between two processes.
    pub two_way: Vec<String>,
    /// The most processes in one passing scenario, and that scenario.
    pub most_processes: Option<(usize, String)>,
    /// Passing scenarios where a receiving call blocks until data arrives.
    pub synchronizing: Vec<String>,
}

/// The rows, in the order of [`Mechanism::ALL`].
pub fn matrix<'a>(
    results: impl IntoIterator<Item = (&'a Scenario, &'a Verdict)>,
) -> Vec<(Mechanism, MatrixRow)> {
    let mut rows: Vec<(Mechanism, MatrixRow)> = Mechanism::ALL
        .iter()
        .map(|m| (*m, MatrixRow::default()))
        .collect();
    for (s, verdict) in results {
        if *verdict != Verdict::Pass {
            continue;
        }
        let Some((_, row)) = rows.iter_mut().find(|(m, _)| *m == s.mechanism) else {
            continue;
        };
        let flows = flows(s);
        let relation = |p: usize| s.processes[p].relation;
        if flows
            .iter()
            .any(|&(a, b)| relation(a) == Relation::Related && relation(b) == Relation::Related)
        {
            row.related.push(s.id.clone());
        }
        if flows
            .iter()
            .any(|&(a, b)| relation(a) == Relation::Unrelated || relation(b) == Relation::Unrelated)
        {
            row.unrelated.push(s.id.clone());
        }
        if flows
            .iter()
            .any(|&(a, b)| s.processes[a].host != s.processes[b].host)
        {
            row.across_hosts.push(s.id.clone());
        }
        if flows.iter().any(|&(a, b)| flows.contains(&(b, a))) {
            row.two_way.push(s.id.clone());
        }
        if row
            .most_processes
            .as_ref()
            .is_none_or(|(n, _)| s.processes.len() > *n)
        {
            row.most_processes = Some((s.processes.len(), s.id.clone()));
        }
        if s.steps.iter().any(|step| {
            step.judged_actions()
                .any(|(_, a, e)| *e == Expectation::Blocks && receives(a))
        }) {
            row.synchronizing.push(s.id.clone());
        }
    }
    rows
}

fn sends(a: &Action) -> bool {
    matches!(
        a,
        Action::Write(_)
            | Action::WriteRecords { .. }
            | Action::Store { .. }
            | Action::StoreU64 { .. }
            | Action::FetchAddU64 { .. }
            | Action::Socket(SocketCall::Send { .. })
            | Action::SetVal { .. }
            | Action::SemPost
            | Action::Lock(LockCall::Unlock | LockCall::CondSignal | LockCall::CondBroadcast)
    ) || matches!(a, Action::Semop(call) if call.ops.iter().any(|op| op.op > 0))
}

/// A call on a semaphore or lock that waits unless it can go on: a semaphore take or
/// wait for zero, a mutex lock, a condition wait.
fn synchronizer_wait(a: &Action) -> bool {
    matches!(a, Action::Semop(call) if call.ops.iter().any(|op| op.op <= 0))
        || matches!(
            a,
            Action::SemWait(_)
                | Action::Lock(
                    LockCall::Lock(_) | LockCall::CondWait(_) | LockCall::CondWaitThenUnlock
                )
        )
}

fn receives(a: &Action) -> bool {
    synchronizer_wait(a)
        || matches!(
            a,
            Action::Read(_)
                | Action::ReadExactly(_)
                | Action::ReadToEnd
                | Action::Load { .. }
                | Action::LoadU64 { .. }
                | Action::FetchAddU64 { .. }
                | Action::Socket(SocketCall::Recv { .. })
        )
}

/// Whether an expectation shows data that came from someone: bytes that are not all
/// zero (a fresh region reads as zeros without anyone writing), records, or a count.
fn shows_data(e: &Expectation) -> bool {
    match e {
        Expectation::Data(Payload::Pattern { pattern, .. }) => *pattern != Pattern::Zero,
        Expectation::Data(Payload::Text(t)) => !t.is_empty(),
        Expectation::Data(Payload::Bytes(b)) => b.iter().any(|&x| x != 0),
        Expectation::Records(_) => true,
        Expectation::Message(m) => m
            .data
            .as_ref()
            .is_some_and(|d| shows_data(&Expectation::Data(d.clone()))),
        Expectation::Returns(Size::Bytes(n)) => *n > 0,
        Expectation::AnyOf(v) => v.iter().all(shows_data),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .all(|e| shows_data(e)),
        _ => false,
    }
}

/// The pairs (sender, receiver) of distinct processes where the receiver, in a step at
/// or after one where the sender sent, received data that someone sent.
fn flows(s: &Scenario) -> Vec<(usize, usize)> {
    let mut senders_so_far: Vec<usize> = Vec::new();
    let mut flows = Vec::new();
    for step in &s.steps {
        let sent_now = step
            .actions
            .iter()
            .filter(|(_, a)| sends(a))
            .map(|(p, _)| p.0);
        // Concurrent senders count too (a reader draining writers of the same step).
        let candidates: Vec<usize> = senders_so_far.iter().copied().chain(sent_now).collect();
        let completes_receive =
            |p: usize, a: &Action| receives(a) || (*a == Action::Await && received_before(s, p));
        for (q, a) in &step.actions {
            let expect = step.expectation_of(*q);
            // A semaphore wait shows what it received by succeeding.
            let waited =
                synchronizer_wait(a) || (*a == Action::Await && waited_on_synchronizer(s, q.0));
            let received = shows_data(expect) || (waited && *expect == Expectation::Succeeds);
            if completes_receive(q.0, a) && received {
                for &p in candidates.iter().filter(|&&p| p != q.0) {
                    if !flows.contains(&(p, q.0)) {
                        flows.push((p, q.0));
                    }
                }
            }
        }
        senders_so_far.extend(
            step.judged_actions()
                .filter(|(_, a, e)| {
                    sends(a)
                        && !matches!(
                            e,
                            Expectation::Blocks | Expectation::Error(_) | Expectation::Signal(_)
                        )
                })
                .map(|(p, _, _)| p.0),
        );
    }
    flows
}

/// The call process `p` blocked in last, which a `completes` of it awaits.
fn blocked_in(s: &Scenario, p: usize) -> Option<&Action> {
    s.steps
        .iter()
        .rev()
        .flat_map(|step| {
            step.judged_actions()
                .filter(|(q, _, _)| q.0 == p)
                .map(|(_, a, e)| (a, e))
        })
        .find(|(a, e)| **a != Action::Await && **e == Expectation::Blocks)
        .map(|(a, _)| a)
}

/// Whether the call a process awaits is a receive (it started one that blocked).
fn received_before(s: &Scenario, p: usize) -> bool {
    blocked_in(s, p).is_some_and(receives)
}

/// Whether the call a process awaits is a wait on a semaphore or lock.
fn waited_on_synchronizer(s: &Scenario, p: usize) -> bool {
    blocked_in(s, p).is_some_and(synchronizer_wait)
}

/// The matrix as a Markdown table: each cell says yes or no, with one proving scenario
/// and how many more prove it.
pub fn render_matrix(rows: &[(Mechanism, MatrixRow)]) -> String {
    let cell = |ids: &[String]| match ids {
        [] => "no scenario".to_owned(),
        [one] => format!("yes: `{one}`"),
        [first, rest @ ..] => format!("yes: `{first}` (+{})", rest.len()),
    };
    let mut out = String::from(
        "| mechanism | related processes | unrelated processes | across hosts | both ways | most processes | synchronizing |\n|---|---|---|---|---|---|---|\n",
    );
    for (m, row) in rows {
        let most = row
            .most_processes
            .as_ref()
            .map_or("no scenario".to_owned(), |(n, id)| format!("{n}: `{id}`"));
        let _ = writeln!(
            out,
            "| {m} | {} | {} | {} | {} | {most} | {} |",
            cell(&row.related),
            cell(&row.unrelated),
            cell(&row.across_hosts),
            cell(&row.two_way),
            cell(&row.synchronizing),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{End, Expectation as E, Mechanism, ScenarioBuilder};

    fn pipe_transfer() -> Scenario {
        ScenarioBuilder::new("pipe::t", Mechanism::Pipe)
            .related("reader", &[End::Read])
            .related("writer", &[End::Write])
            .step(&[("reader", Action::Read(Size::Bytes(2)))], E::Blocks)
            .step(
                &[("writer", Action::Write(Payload::Text("hi".into())))],
                E::Returns(Size::Bytes(2)),
            )
            .step(
                &[("reader", Action::Await)],
                E::Data(Payload::Text("hi".into())),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn a_blocked_read_released_by_a_write_is_a_flow_and_synchronizes() {
        let s = pipe_transfer();
        assert_eq!(flows(&s), vec![(1, 0)]);
        let rows = matrix([(&s, &Verdict::Pass)]);
        let (_, pipe) = rows.iter().find(|(m, _)| *m == Mechanism::Pipe).unwrap();
        assert_eq!(pipe.related, ["pipe::t"]);
        assert_eq!(pipe.synchronizing, ["pipe::t"]);
        assert!(pipe.two_way.is_empty());
    }

    #[test]
    fn a_semaphore_wait_released_by_a_give_is_a_flow_and_synchronizes() {
        use crate::scenario::{SemCall, SemOp};
        let semop = |op| {
            Action::Semop(SemCall {
                ops: vec![SemOp {
                    num: 0,
                    op,
                    flags: Vec::new(),
                }],
                timeout: None,
            })
        };
        let s = ScenarioBuilder::new("sysv-sem::t", Mechanism::SysvSem)
            .related("waiter", &[])
            .related("poster", &[])
            .step(&[("waiter", semop(-1))], E::Blocks)
            .step(&[("poster", semop(1))], E::Succeeds)
            .step(&[("waiter", Action::Await)], E::Succeeds)
            .build()
            .unwrap();
        assert_eq!(flows(&s), vec![(1, 0)]);
        let rows = matrix([(&s, &Verdict::Pass)]);
        let (_, row) = rows.iter().find(|(m, _)| *m == Mechanism::SysvSem).unwrap();
        assert_eq!(row.synchronizing, ["sysv-sem::t"]);
        assert_eq!(row.related, ["sysv-sem::t"]);
    }

    #[test]
    fn zeros_are_no_flow_and_failures_prove_nothing() {
        let s = ScenarioBuilder::new("anon-shared::z", Mechanism::AnonShared)
            .related("a", &[])
            .related("b", &[])
            .step(
                &[(
                    "a",
                    Action::Store {
                        at: Size::Bytes(0),
                        data: Payload::Text("x".into()),
                    },
                )],
                E::Succeeds,
            )
            .step(
                &[(
                    "b",
                    Action::Load {
                        at: Size::Bytes(8),
                        len: Size::Bytes(1),
                    },
                )],
                E::Data(Payload::Bytes(vec![0])),
            )
            .build()
            .unwrap();
        assert!(flows(&s).is_empty());
        let failed = Verdict::Fail(crate::driver::Failure {
            step: None,
            process: None,
            cause: crate::judge::Cause::left_behind(),
            expected: String::new(),
            observed: String::new(),
            more: Vec::new(),
        });
        let t = pipe_transfer();
        let rows = matrix([(&t, &failed)]);
        assert!(rows.iter().all(|(_, r)| *r == MatrixRow::default()));
    }
}

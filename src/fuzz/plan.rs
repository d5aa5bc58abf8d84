//! What the fuzzer generates: a plan of processes and moves, which [`build`](super::build)
//! turns into an ordinary [`Scenario`] whose expectations are the reference model's.
//! Proptest generates and shrinks plans (fewer processes, fewer moves, smaller sizes); a
//! plan whose move does not fit the state it meets (a read by a process that closed its
//! read end) drops that move, so every scenario built is valid by construction.

use proptest::prelude::*;

use crate::mechanism::Capability;
use crate::model::{ModelOutcome, ReferenceModel};
use crate::platform::PlatformProfile;
use crate::scenario::{
    AccessMode, Action, Address, End, Expectation, Mechanism, MessageCheck, MutexSpec, Pattern,
    Payload, Process, RegionSpec, Scenario, ScenarioBuilder, SemaphoreSet, ShutdownHow, SignalName,
    Size, SizeSymbol, SocketStyle,
};

/// A size, clustered around the platform's boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeClass {
    /// This many bytes, few.
    Small(u8),
    /// PIPE_BUF plus this (-1, 0, +1).
    PipeBuf(i8),
    /// The pipe's capacity plus this (-1, 0, +1).
    Capacity(i8),
    /// Twice the capacity.
    TwiceCapacity,
}

impl SizeClass {
    /// The size, by the profile's names where it has them (twice the capacity in bytes).
    pub(super) fn size(self, profile: &PlatformProfile) -> Option<Size> {
        Some(match self {
            SizeClass::Small(n) => Size::Bytes(u64::from(n)),
            SizeClass::PipeBuf(d) => Size::plus(SizeSymbol::PipeBuf, i64::from(d)),
            SizeClass::Capacity(d) => Size::plus(SizeSymbol::PipeCapacity, i64::from(d)),
            SizeClass::TwiceCapacity => Size::Bytes(2 * profile.pipe_capacity?),
        })
    }
}

/// One thing a process tries to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// One read of at most this many bytes.
    Read(SizeClass),
    /// Reads until end of file.
    ReadToEnd,
    /// One write of this many bytes.
    Write(SizeClass),
    /// Close an end.
    Close(End),
    /// A second handle on an end.
    Dup(End),
    /// Set or clear O_NONBLOCK on an end.
    NonBlocking(End, bool),
    /// Leave: every end closes.
    Exit,
    /// Open the FIFO (FIFOs only): read-only, write-only or both, with O_NONBLOCK or
    /// not, with O_CLOEXEC or not.
    Open(AccessMode, bool, bool),
    /// Set FD_CLOEXEC on an end.
    CloExec(End),
    /// Replace the program (`exec`): the ends without FD_CLOEXEC live on in it, the
    /// others close, and the process acts no more.
    Exec,
    /// Remove the FIFO's name (FIFOs only).
    Unlink,
    /// Shut a socket down (socketpairs only; the read end stands for `left`, the write
    /// end for `right`).
    Shutdown(End, ShutdownHow),
    /// Send a descriptor of the second end over the first with SCM_RIGHTS
    /// (socketpairs only).
    Pass(End, End),
    /// Receive a descriptor over an end (socketpairs only).
    Take(End),
    /// Write this many bytes through the descriptor received last (socketpairs only).
    WriteReceived(u8),
    /// Read at most this many bytes through the descriptor received last (socketpairs
    /// only).
    ReadReceived(u8),
    /// Close the descriptor received last (socketpairs only).
    CloseReceived,
}

/// One process of a plan: the ends it keeps and its SIGPIPE disposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessPlan {
    /// Keeps the read end.
    pub reads: bool,
    /// Keeps the write end.
    pub writes: bool,
    /// Ignores SIGPIPE.
    pub ignores_sigpipe: bool,
}

/// A generated plan: processes, and moves `(process, op)` in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The processes, at least two.
    pub processes: Vec<ProcessPlan>,
    /// The moves; one by a process the plan does not have is dropped, so that shrinking
    /// can drop a process without moving the others' moves to someone else.
    pub moves: Vec<(usize, Op)>,
}

/// A plan of processes and their moves, from which a process or a move can be taken
/// away: proptest shrinks moves and sizes well, but dropping a process renumbers the
/// moves of those after it, and a move a later move leans on cannot go alone; so a pass
/// after proptest's tries each process away, then each move.
pub trait PlanParts: Clone {
    /// What one move does.
    type Op: Copy;

    /// How many processes it has.
    fn process_count(&self) -> usize;

    /// How many moves it has.
    fn move_count(&self) -> usize;

    /// Forget process `i` itself (`without_process` takes its moves away).
    fn remove_process(&mut self, i: usize);

    /// The moves `(process, op)`.
    fn moves_mut(&mut self) -> &mut Vec<(usize, Self::Op)>;

    /// The plan without process `i` and its moves; the later processes' moves follow
    /// them to their new places.
    fn without_process(&self, i: usize) -> Self {
        let mut plan = self.clone();
        plan.remove_process(i);
        let moves = moves_without(plan.moves_mut(), i);
        *plan.moves_mut() = moves;
        plan
    }

    /// The plan without move `i`.
    fn without_move(&self, i: usize) -> Self {
        let mut plan = self.clone();
        plan.moves_mut().remove(i);
        plan
    }
}

impl PlanParts for Plan {
    type Op = Op;

    fn process_count(&self) -> usize {
        self.processes.len()
    }

    fn move_count(&self) -> usize {
        self.moves.len()
    }

    fn remove_process(&mut self, i: usize) {
        self.processes.remove(i);
    }

    fn moves_mut(&mut self) -> &mut Vec<(usize, Op)> {
        &mut self.moves
    }
}

/// `moves` without those of process `i`; the later processes' moves follow them to
/// their new places.
pub(super) fn moves_without<O: Copy>(moves: &[(usize, O)], i: usize) -> Vec<(usize, O)> {
    moves
        .iter()
        .filter(|(who, _)| *who != i)
        .map(|&(who, op)| (if who > i { who - 1 } else { who }, op))
        .collect()
}

fn size_class() -> impl Strategy<Value = SizeClass> {
    prop_oneof![
        4 => (0u8..=16).prop_map(SizeClass::Small),
        3 => (-1i8..=1).prop_map(SizeClass::PipeBuf),
        2 => (-1i8..=1).prop_map(SizeClass::Capacity),
        1 => Just(SizeClass::TwiceCapacity),
    ]
}

pub(super) fn end() -> impl Strategy<Value = End> {
    prop_oneof![Just(End::Read), Just(End::Write)]
}

pub(super) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => size_class().prop_map(Op::Read),
        1 => Just(Op::ReadToEnd),
        4 => size_class().prop_map(Op::Write),
        2 => end().prop_map(Op::Close),
        1 => end().prop_map(Op::Dup),
        2 => (end(), any::<bool>()).prop_map(|(e, on)| Op::NonBlocking(e, on)),
        1 => Just(Op::Exit),
        4 => (
            prop_oneof![
                Just(AccessMode::ReadOnly),
                Just(AccessMode::WriteOnly),
                Just(AccessMode::ReadWrite)
            ],
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(mode, nonblock, cloexec)| Op::Open(mode, nonblock, cloexec)),
        1 => end().prop_map(Op::CloExec),
        1 => Just(Op::Exec),
        1 => Just(Op::Unlink),
        2 => (
            end(),
            prop_oneof![
                Just(ShutdownHow::Read),
                Just(ShutdownHow::Write),
                Just(ShutdownHow::Both)
            ]
        )
            .prop_map(|(e, how)| Op::Shutdown(e, how)),
    ]
}

/// Plans of 2 to `max_processes` processes and up to `max_moves` moves.
pub fn plans(max_processes: usize, max_moves: usize) -> impl Strategy<Value = Plan> {
    plans_of(op(), max_processes, max_moves)
}

pub(super) fn plans_of(
    op: impl Strategy<Value = Op>,
    max_processes: usize,
    max_moves: usize,
) -> impl Strategy<Value = Plan> {
    let process = (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(r, w, i)| ProcessPlan {
        reads: r,
        writes: w,
        ignores_sigpipe: i,
    });
    (
        prop::collection::vec(process, 2..=max_processes.max(2)),
        prop::collection::vec((0..max_processes.max(2), op), 1..=max_moves.max(1)),
    )
        .prop_map(|(processes, moves)| Plan { processes, moves })
}

/// The payload a process writes: its letter repeated, so that bytes from different
/// writers tell apart in the data read; a pattern when long.
pub(super) fn payload(process: usize, len: u64) -> Payload {
    if len <= 64 {
        let letter = (b'a' + (process % 26) as u8) as char;
        Payload::Text(letter.to_string().repeat(len as usize))
    } else {
        Payload::Pattern {
            pattern: Pattern::Seq,
            len: Size::Bytes(len),
        }
    }
}

/// The most bytes a read's expectation names one by one where the count alone will do:
/// a longer read of a pipe is checked by its count, so that a scenario file stays
/// readable.
const BYTES_SHOWN: usize = 64;

/// What the model's outcome says to expect; `every_byte` names the bytes read however
/// many there are (see [`Recorder::every_byte`]).
fn expectation(outcome: &ModelOutcome, every_byte: bool) -> Expectation {
    match outcome {
        ModelOutcome::Blocks => Expectation::Blocks,
        ModelOutcome::Bytes(b) if b.is_empty() => Expectation::Eof,
        ModelOutcome::Bytes(b) if every_byte || b.len() <= BYTES_SHOWN => {
            Expectation::Data(match b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
                true => Payload::Text(String::from_utf8_lossy(b).into_owned()),
                false => Payload::Bytes(b.clone()),
            })
        }
        ModelOutcome::Bytes(b) => Expectation::Returns(Size::Bytes(b.len() as u64)),
        ModelOutcome::Count(n) => Expectation::Returns(Size::Bytes(*n)),
        ModelOutcome::CountBetween(lo, hi) => {
            Expectation::ReturnsBetween(Size::Bytes(*lo), Size::Bytes(*hi))
        }
        ModelOutcome::Done => Expectation::Succeeds,
        ModelOutcome::Error(e) => Expectation::Error(*e),
        ModelOutcome::Killed(s) => Expectation::Signal(*s),
        ModelOutcome::Message {
            data,
            truncated,
            from,
        } => Expectation::Message(MessageCheck {
            data: Some(Payload::Bytes(data.clone())),
            truncated: Some(*truncated),
            // A port the kernel picked has no name to check it by.
            from: from.as_ref().map(|from| {
                (!from.is_empty()).then(|| Address {
                    name: from.trim_start_matches('@').to_owned(),
                    abstract_name: from.starts_with('@'),
                })
            }),
        }),
    }
}

/// The steps of a generated scenario, taken as the reference model allows.
pub(super) struct Recorder<'a> {
    model: ReferenceModel,
    /// The region a shared-region scenario maps (the default for other mechanisms).
    region: RegionSpec,
    /// The set a semaphore scenario makes (the default for other mechanisms).
    semaphores: SemaphoreSet,
    /// The mutex a lock scenario makes (the default for other mechanisms).
    mutex: MutexSpec,
    steps: Vec<(usize, Action, Expectation)>,
    /// Whether a read's expectation names its bytes however many there are, as on a
    /// stream socket: one `recv()` there may legally return fewer bytes than are queued
    /// (at least one; a blocked one, the first piece of a send made in pieces), and the
    /// driver reads on until the count only when the expectation names the bytes (a
    /// count alone it judges on one call).
    every_byte: bool,
    profile: &'a PlatformProfile,
    capabilities: &'a [Capability],
}

impl<'a> Recorder<'a> {
    /// The model of `mechanism` for `processes`, no step taken yet.
    pub(super) fn new(
        mechanism: Mechanism,
        processes: &[Process],
        profile: &'a PlatformProfile,
        capabilities: &'a [Capability],
    ) -> Option<Self> {
        let model = ReferenceModel::for_processes(mechanism, processes, &[], profile).ok()?;
        let mut recorder = Self::with_model(model, RegionSpec::default(), profile, capabilities);
        recorder.every_byte = mechanism
            .socket_kind()
            .is_some_and(|kind| kind.style == SocketStyle::Stream);
        Some(recorder)
    }

    /// Steps from `model` on, for a scenario whose region (if any) is `region`.
    pub(super) fn with_model(
        model: ReferenceModel,
        region: RegionSpec,
        profile: &'a PlatformProfile,
        capabilities: &'a [Capability],
    ) -> Self {
        Recorder {
            model,
            region,
            semaphores: SemaphoreSet::default(),
            mutex: MutexSpec::default(),
            steps: Vec::new(),
            every_byte: false,
            profile,
            capabilities,
        }
    }

    /// Steps from `model` on, for a scenario whose semaphore set is `set`.
    pub(super) fn with_semaphores(
        model: ReferenceModel,
        set: SemaphoreSet,
        profile: &'a PlatformProfile,
        capabilities: &'a [Capability],
    ) -> Self {
        let mut recorder = Self::with_model(model, RegionSpec::default(), profile, capabilities);
        recorder.semaphores = set;
        recorder
    }

    /// Steps from `model` on, for a scenario whose mutex is `spec`.
    pub(super) fn with_mutex(
        model: ReferenceModel,
        spec: MutexSpec,
        profile: &'a PlatformProfile,
        capabilities: &'a [Capability],
    ) -> Self {
        let mut recorder = Self::with_model(model, RegionSpec::default(), profile, capabilities);
        recorder.mutex = spec;
        recorder
    }

    /// The model as the steps so far left it.
    pub(super) fn model(&self) -> &ReferenceModel {
        &self.model
    }

    /// Take `action` of process `p`, if it is free to act, the implementation declares
    /// what the action needs and the model covers it: a step expecting the model's
    /// outcome, then a `completes` step for every blocked call it let finish.
    pub(super) fn take(&mut self, p: usize, action: Action) {
        if !self.model.idle(p) {
            return;
        }
        let mut needs = Vec::new();
        crate::mechanism::action_capabilities(&action, &mut needs);
        if needs.iter().any(|c| !self.capabilities.contains(c)) {
            return;
        }
        let mut next = self.model.clone();
        let Ok(outcome) = next.apply(p, &action, self.profile) else {
            return;
        };
        self.model = next;
        self.steps
            .push((p, action, expectation(&outcome, self.every_byte)));
        self.await_finished();
    }

    /// A `completes` step for every process whose blocked call the model says finished.
    fn await_finished(&mut self) {
        let model = &mut self.model;
        while let Some(q) = (0..model.process_count()).find(|&q| model.finished(q)) {
            let Ok(outcome) = model.apply(q, &Action::Await, self.profile) else {
                return;
            };
            self.steps
                .push((q, Action::Await, expectation(&outcome, self.every_byte)));
        }
    }

    /// The scenario `id`: the steps taken, then a kill of every process still blocked;
    /// `None` with fewer than `least` steps taken.
    pub(super) fn finish(
        mut self,
        id: &str,
        mechanism: Mechanism,
        reference: &str,
        processes: &[Process],
        least: usize,
    ) -> Option<Scenario> {
        if self.steps.len() < least {
            return None;
        }
        for p in 0..processes.len() {
            if self.model.blocked(p) {
                let kill = Action::Kill(SignalName(nix::sys::signal::Signal::SIGKILL));
                let outcome = self.model.apply(p, &kill, self.profile).ok()?;
                self.steps
                    .push((p, kill, expectation(&outcome, self.every_byte)));
                self.await_finished();
            }
        }
        let mut builder = ScenarioBuilder::new(id, mechanism)
            .region(self.region)
            .semaphores(self.semaphores)
            .mutex(self.mutex)
            .summary("generated by the fuzzer; every expectation is the reference model's")
            .behaviour(&format!("{}.fuzz-regression", mechanism.name()))
            // Every call of a generated case returns at once or blocks: a watchdog of
            // half a second bounds what a hanging implementation costs.
            .step_timeout(std::time::Duration::from_millis(500))
            .reference(reference);
        for process in processes {
            builder = builder.process(process.clone());
        }
        for (p, action, expect) in self.steps {
            builder = builder.step(&[(processes[p].name.0.as_str(), action)], expect);
        }
        builder.build().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process that holds both ends writes 80 bytes in five writes, then reads with
    /// room for all of them.
    fn long_read(mechanism: Mechanism) -> Option<Expectation> {
        let mut moves = vec![(0, Op::Write(SizeClass::Small(16))); 5];
        moves.push((0, Op::Read(SizeClass::PipeBuf(0))));
        let plan = Plan {
            processes: vec![
                ProcessPlan {
                    reads: true,
                    writes: true,
                    ignores_sigpipe: true,
                };
                2
            ],
            moves,
        };
        let scenario = super::super::build(&plan, mechanism, &PlatformProfile::LINUX, &[], "t")?;
        let step = scenario.steps.last()?;
        let (_, _, expect) = step.judged_actions().next()?;
        Some(expect.clone())
    }

    /// A long read of a pipe is checked by its count; on a stream socket, where one
    /// receive may legally return fewer bytes than are queued, by its bytes, which the
    /// driver reads on for.
    #[test]
    fn a_long_read_is_checked_by_its_bytes_on_a_stream_socket_only() {
        assert_eq!(
            long_read(Mechanism::Pipe),
            Some(Expectation::Returns(Size::Bytes(80)))
        );
        let written = "a".repeat(80);
        assert_eq!(
            long_read(Mechanism::Socketpair),
            Some(Expectation::Data(Payload::Text(written)))
        );
    }
}

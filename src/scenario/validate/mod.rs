//! Checks a scenario must pass before anything runs, and the platform checks that turn
//! it into a skip.

mod actions;
mod behaviours;
mod expectations;
mod overrides;
mod platform;
mod posix_sem;
mod records;
mod release;
mod shared_lock;
mod sockets;
mod state;
mod sysv;

use std::ops::Range;

use super::errno::Errno;
use super::error::Located;
use super::model::*;
use crate::platform::PlatformProfile;
use actions::{check_action_fits_mechanism, check_amounts, check_region_access, largest};
use behaviours::check_behaviours;
use expectations::check_expectation_fits;
use overrides::check_overrides;
pub use platform::skip_reason;
use posix_sem::check_sem_held;
use records::check_atomic_records;
use release::Releases;
use shared_lock::check_lock_call;
use sockets::{check_hosts, check_pair_ends, Handles};
use state::{
    allows_error, certain_death, check_eintr, may_succeed, no_such_end, serves, track_ends, Life,
    Roles,
};
use sysv::{check_sysv_id_known, semaphore_values_error, sysv_key};

/// Where the parts of a scenario stand in its file, for error messages. A scenario made
/// by the builder has no file, and its errors carry empty spans.
#[derive(Default)]
pub(crate) struct Spans {
    /// The `[processes]` table.
    pub processes_table: Range<usize>,
    /// Per process.
    pub processes: Vec<ProcessSpans>,
    /// The `flags` of `[create]`, when given.
    pub create_flags: Range<usize>,
    /// The `[region]` table, when given.
    pub region: Range<usize>,
    /// The `[listener]` table, when given.
    pub listener: Range<usize>,
    /// The `[semaphores]` table, when given.
    pub semaphores: Range<usize>,
    /// Its `values`.
    pub semaphore_values: Range<usize>,
    /// The `[unnamed_semaphore]` table, when given.
    pub unnamed_semaphore: Range<usize>,
    /// The `[mutex]` table, when given.
    pub mutex: Range<usize>,
    /// The `macos_source` value, when given.
    pub macos_source: Range<usize>,
    /// Each slug of `behaviours`.
    pub behaviours: Vec<Range<usize>>,
    /// Per step.
    pub steps: Vec<StepSpans>,
}

pub(crate) struct ProcessSpans {
    /// The process's name (its key in `[processes]`).
    pub name: Range<usize>,
    /// Its `keeps` list, or its whole definition when it has none.
    pub keeps: Range<usize>,
    /// Its `host`, or its whole definition when it has none.
    pub host: Range<usize>,
}

pub(crate) struct StepSpans {
    pub actions: Vec<Range<usize>>,
    pub expect: Range<usize>,
    /// The entries of `expect_for`, in the order of `Step::expect_for`.
    pub expect_for: Vec<OverrideSpans>,
    /// Its `released` key, when given.
    pub released: Range<usize>,
}

/// Where one entry of a step's `expect_for` stands.
pub(crate) struct OverrideSpans {
    /// The process's name (its key).
    pub process: Range<usize>,
    /// Its expectation.
    pub expect: Range<usize>,
}

impl Spans {
    fn keeps(&self, i: usize) -> Range<usize> {
        self.processes.get(i).map_or(0..0, |p| p.keeps.clone())
    }
    fn host(&self, i: usize) -> Range<usize> {
        self.processes.get(i).map_or(0..0, |p| p.host.clone())
    }
    fn action(&self, step: usize, i: usize) -> Range<usize> {
        self.steps
            .get(step)
            .and_then(|s| s.actions.get(i).cloned())
            .unwrap_or(0..0)
    }
    fn released(&self, step: usize) -> Range<usize> {
        self.steps.get(step).map_or(0..0, |s| s.released.clone())
    }
    fn expect(&self, step: usize) -> Range<usize> {
        self.steps.get(step).map_or(0..0, |s| s.expect.clone())
    }
    fn override_of(&self, step: usize, i: usize) -> Option<&OverrideSpans> {
        self.steps.get(step).and_then(|s| s.expect_for.get(i))
    }
    /// The expectation of process `p` at `step`: its entry in `expect_for`, or `expect`.
    fn expectation(&self, si: usize, step: &Step, p: ProcessIndex) -> Range<usize> {
        step.expect_for
            .iter()
            .position(|(q, _)| *q == p)
            .and_then(|i| self.override_of(si, i))
            .map_or_else(|| self.expect(si), |o| o.expect.clone())
    }
}

/// Checks of what is set up before the first step: the processes and `[create]`. The
/// file format runs them before it reads the steps, so that a step is never blamed for a
/// bad `[processes]` table.
pub(crate) fn check_setup(
    mechanism: Mechanism,
    processes: &[Process],
    create_flags: &[OpenFlag],
    spans: &Spans,
) -> Result<(), Located> {
    if processes.is_empty() {
        return Err(Located::new(
            spans.processes_table.clone(),
            "a scenario needs at least one process, expected a line such as reader = { keeps = [\"read\"] }"
                .to_owned(),
        ));
    }
    for (i, p) in processes.iter().enumerate() {
        if let Some(name_span) = spans.processes.get(i).map(|p| p.name.clone()) {
            if !p
                .name
                .0
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                || p.name.0.is_empty()
            {
                return Err(Located::new(
                    name_span,
                    format!(
                        "process name `{}` must be letters, digits, `_` or `-`",
                        p.name
                    ),
                ));
            }
        }
        check_pair_ends(mechanism, p).map_err(|m| Located::new(spans.keeps(i), m))?;
        if !p.keeps.is_empty() && !matches!(mechanism, Mechanism::Pipe | Mechanism::Fifo) {
            return Err(Located::new(
                spans.keeps(i),
                format!(
                    "`keeps` applies to pipes and FIFOs only; a {mechanism} is opened by name with `open`"
                ),
            ));
        }
        if !p.keeps.is_empty() && p.relation == Relation::Unrelated {
            return Err(Located::new(
                spans.keeps(i),
                format!(
                    "process `{}` is unrelated, so it inherits no ends and cannot keep any",
                    p.name
                ),
            ));
        }
    }
    check_hosts(mechanism, processes).map_err(|(i, m)| Located::new(spans.host(i), m))?;
    if !spans.region.is_empty() && mechanism.family() != MechanismFamily::SharedRegion {
        return Err(Located::new(
            spans.region.clone(),
            format!("`[region]` applies to the shared-region mechanisms (anon-shared, sysv-shm, posix-shm, file-mmap); this scenario's mechanism is {mechanism}"),
        ));
    }
    if create_flags
        .iter()
        .any(|f| matches!(f, OpenFlag::Creat | OpenFlag::Excl))
    {
        return Err(Located::new(
            spans.create_flags.clone(),
            "pipe2() takes O_NONBLOCK and O_CLOEXEC, not O_CREAT or O_EXCL".to_owned(),
        ));
    }
    if !create_flags.is_empty() && mechanism != Mechanism::Pipe {
        return Err(Located::new(
            spans.create_flags.clone(),
            format!("`create.flags` applies to pipes only (pipe2() flags); a {mechanism} is opened with `open`, whose `flags` take O_NONBLOCK"),
        ));
    }
    Ok(())
}

/// Checks that hold on every platform: names, ends, the order of blocking and awaiting,
/// and that each expectation can apply to its actions.
/// A `macos_source` names at least one source file (a word ending in `.c`, `.h`, `.s` or
/// `.master`, such as `bsd/kern/sys_pipe.c` or `bsd/kern/syscalls.master`) and says more than its name: the function, in our words.
fn check_macos_source(text: &str) -> Result<(), String> {
    let is_file = |word: &str| {
        let word = word.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        [".c", ".h", ".s", ".master"].iter().any(|ext| {
            word.strip_suffix(ext)
                .is_some_and(|stem| !stem.is_empty() && !stem.ends_with('/'))
        })
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    if !words.iter().any(|w| is_file(w)) {
        return Err(format!(
            "`macos_source` must name the XNU, Libc or libpthread file that decides the macOS side, such as \"bsd/kern/sys_pipe.c pipe_write: ...\"; got {text:?}"
        ));
    }
    if words.len() < 2 {
        return Err(format!(
            "`macos_source` must name the function that decides, and say what it does, beside the file; got {text:?}"
        ));
    }
    Ok(())
}

pub(crate) fn check(s: &Scenario, spans: &Spans) -> Result<(), Located> {
    check_setup(s.mechanism, &s.processes, &s.create_flags, spans)?;
    if let Some(text) = &s.macos_source {
        check_macos_source(text).map_err(|m| Located::new(spans.macos_source.clone(), m))?;
    }
    check_behaviours(s)
        .map_err(|(i, m)| Located::new(spans.behaviours.get(i).cloned().unwrap_or(0..0), m))?;
    if s.region.sharing == Sharing::Private && s.mechanism == Mechanism::SysvShm {
        return Err(Located::new(
            spans.region.clone(),
            "`map = \"MAP_PRIVATE\"` cannot apply to sysv-shm: a System V attachment is always shared".to_owned(),
        ));
    }
    if s.listener.is_some()
        && !matches!(
            s.mechanism,
            Mechanism::UnixStream | Mechanism::UnixSeqpacket
        )
    {
        return Err(Located::new(
            spans.listener.clone(),
            format!(
                "`[listener]` applies to unix-stream and unix-seqpacket only: the parent makes a listening socket at a path for its children, which {} has no use for",
                s.mechanism
            ),
        ));
    }
    if spans.semaphores != (0..0) && s.mechanism != Mechanism::SysvSem {
        return Err(Located::new(
            spans.semaphores.clone(),
            format!(
                "`[semaphores]` applies to sysv-sem only: {} has no semaphore set",
                s.mechanism
            ),
        ));
    }
    if s.unnamed_semaphore.is_some() && s.mechanism != Mechanism::PosixSem {
        return Err(Located::new(
            spans.unnamed_semaphore.clone(),
            format!(
                "`[unnamed_semaphore]` applies to posix-sem only: {} has no POSIX semaphore",
                s.mechanism
            ),
        ));
    }
    if spans.mutex != (0..0) && s.mechanism != Mechanism::PsharedMutex {
        return Err(Located::new(
            spans.mutex.clone(),
            format!(
                "`[mutex]` applies to pshared-mutex only: {} has no process-shared mutex",
                s.mechanism
            ),
        ));
    }
    if let Some(message) = semaphore_values_error(&s.semaphores) {
        return Err(Located::new(spans.semaphore_values.clone(), message));
    }
    if s.region.key != SysvKey::Private && s.mechanism != Mechanism::SysvShm {
        return Err(Located::new(
            spans.region.clone(),
            format!(
                "`key` applies to sysv-shm only: {} has no System V segment",
                s.mechanism
            ),
        ));
    }
    if s.region.made_by == MadeBy::Parent && s.mechanism != Mechanism::PosixShm {
        return Err(Located::new(
            spans.region.clone(),
            format!(
                "`made_by = \"parent\"` applies to posix-shm only: {} has no object the parent makes for its children by name",
                s.mechanism
            ),
        ));
    }
    if [PlatformProfile::LINUX, PlatformProfile::MACOS]
        .iter()
        .any(|p| p.resolve(s.region.len) == Ok(0))
    {
        return Err(Located::new(
            spans.region.clone(),
            "`size` of `[region]` must be at least 1 byte".to_owned(),
        ));
    }
    if largest(s.region.len) > Size::MAX_BYTES {
        return Err(Located::new(
            spans.region.clone(),
            format!(
                "`size` of `[region]`: {}",
                Size::too_large(largest(s.region.len))
            ),
        ));
    }
    // Whether each process has the region mapped: related ones inherit it, as they do
    // the object the parent made.
    let inherited = s.mechanism.inherits_region() || s.region.made_by == MadeBy::Parent;
    let mut mapped: Vec<bool> = s
        .processes
        .iter()
        .map(|p| inherited && p.relation == Relation::Related)
        .collect();
    // The socket handles each process holds: related ones inherit the parent's listener.
    let mut sockets: Vec<Handles> = s
        .processes
        .iter()
        .map(|p| {
            let inherited = s
                .listener
                .as_ref()
                .filter(|_| p.relation == Relation::Related);
            Handles::of(p, inherited.map(|l| &l.handle))
        })
        .collect();
    // Whether each process knows the System V object's id: an unrelated one of an
    // object with a key learns it from `shmget` or `semget`.
    let mut knows_id: Vec<bool> = s
        .processes
        .iter()
        .map(|p| p.relation == Relation::Related || sysv_key(s) == SysvKey::Private)
        .collect();
    // Whether each process holds a POSIX semaphore: one it opened, or the unnamed one a
    // related process inherits.
    let mut holds_sem: Vec<bool> = s
        .processes
        .iter()
        .map(|p| s.unnamed_semaphore.is_some() && p.relation == Relation::Related)
        .collect();
    // What each process has started and not yet awaited: (step, action).
    let mut pending: Vec<Option<(usize, &Action)>> = vec![None; s.processes.len()];
    let mut life = vec![Life::Acting; s.processes.len()];
    // Whether a signal the process catches was sent to it while its pending call blocks.
    let mut interrupted = vec![false; s.processes.len()];
    // The descriptors each process holds, as the actor will, with the roles each serves.
    let mut held: Vec<Vec<Roles>> = s
        .processes
        .iter()
        .map(|p| {
            let object = (s.region.made_by == MadeBy::Parent && p.relation == Relation::Related)
                .then_some(End::Object);
            p.keeps
                .iter()
                .copied()
                .chain(object)
                .map(Roles::of)
                .collect()
        })
        .collect();
    let mut releases = Releases::default();
    for (si, step) in s.steps.iter().enumerate() {
        check_overrides(s, si, step, spans)?;
        // Whether the calls this step awaits have all returned once it is done: not
        // while a `released` group still has some blocked.
        let all_returned = match step.released {
            Some(count) => releases
                .check_step(si, step, count)
                .map_err(|m| Located::new(spans.released(si), m))?,
            None => true,
        };
        let mut seen = Vec::new();
        for (ai, (p, action)) in step.actions.iter().enumerate() {
            let at = spans.action(si, ai);
            let name = &s.process(*p).name;
            let expect = step.expectation_of(*p);
            if seen.contains(p) {
                return Err(Located::new(
                    at,
                    format!("process `{name}` acts twice in one step"),
                ));
            }
            seen.push(*p);
            if step.released.is_none() {
                releases
                    .check_free(*p, name)
                    .map_err(|m| Located::new(at.clone(), m))?;
            }
            match (life[p.0], action) {
                (Life::Exited, _) => {
                    return Err(Located::new(
                        at,
                        format!("process `{name}` has already exited; it cannot act after `exit`"),
                    ))
                }
                (Life::Execed, Action::Kill(_)) => {}
                (Life::Execed, _) => {
                    return Err(Located::new(
                        at,
                        format!("process `{name}` has run `exec` and is an actor no more; it can only be sent a signal with `kill`"),
                    ))
                }
                (Life::Killed(step), _) => {
                    let signals: Vec<String> = certain_death(s.steps[step.0].expectation_of(*p))
                        .unwrap_or_default()
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    return Err(Located::new(
                        at,
                        format!(
                            "process `{name}` is expected to be killed by {} in step {step}; it cannot act after",
                            signals.join(" or ")
                        ),
                    ));
                }
                (Life::Acting, _) => {}
            }
            check_action_fits_mechanism(s.mechanism, action)
                .map_err(|m| Located::new(at.clone(), m))?;
            let holds_object = serves(&held[p.0], End::Object).is_some();
            check_amounts(action).map_err(|m| Located::new(at.clone(), m))?;
            check_region_access(s, action, mapped[p.0], holds_object, name)
                .map_err(|m| Located::new(at.clone(), m))?;
            let effective = match (action, pending[p.0]) {
                // The driver signals the process; a call it is blocked in stays pending.
                (Action::Kill(_), _) => action,
                (Action::Await, Some((_, started))) => {
                    if all_returned {
                        pending[p.0] = None;
                    }
                    started
                }
                (Action::Await, None) => {
                    return Err(Located::new(
                        at,
                        format!("`completes` awaits a call that blocked, but process `{name}` has none; expected an earlier step where it acts with expect = \"blocks\""),
                    ))
                }
                (_, Some((from, started))) => {
                    return Err(Located::new(
                        at,
                        format!(
                            "process `{name}` is still in `{}` from step {}; add `{name} = \"completes\"` first",
                            started.name(),
                            StepIndex(from)
                        ),
                    ))
                }
                (a, None) => a,
            };
            if let Action::Kill(signal) = action {
                interrupted[p.0] |=
                    pending[p.0].is_some() && s.process(*p).handles.contains(signal);
            }
            if allows_error(expect, Errno(libc::EINTR)) {
                check_eintr(s.process(*p), action, interrupted[p.0])
                    .map_err(|m| Located::new(spans.expectation(si, step, *p), m))?;
            }
            if let Action::Socket(call) = action {
                sockets[p.0]
                    .check_call(s.mechanism, call, name)
                    .map_err(|m| Located::new(at.clone(), m))?;
            }
            if *action != Action::Await {
                if let Some(end) = action.needs_end() {
                    if serves(&held[p.0], end).is_none() {
                        return Err(Located::new(at, no_such_end(name, end, &held[p.0])));
                    }
                }
            }
            check_expectation_fits(expect, effective, matches!(action, Action::Await))
                .and_then(|()| sockets[p.0].check_datagram_eof(s.mechanism, effective, expect))
                .map_err(|m| Located::new(spans.expectation(si, step, *p), m))?;
            check_sem_held(action, holds_sem[p.0], s.unnamed_semaphore.is_some(), name)
                .and_then(|()| check_lock_call(s, s.process(*p), action))
                .map_err(|m| Located::new(at.clone(), m))?;
            check_sysv_id_known(s, action, knows_id[p.0], name)
                .map_err(|m| Located::new(at.clone(), m))?;
            match action {
                Action::Shmget { .. } | Action::Semget { .. } if may_succeed(expect) => {
                    knows_id[p.0] = true
                }
                Action::SemOpen { .. } if may_succeed(expect) => holds_sem[p.0] = true,
                Action::SemClose => holds_sem[p.0] = false,
                Action::Munmap | Action::Shmdt => mapped[p.0] = false,
                Action::Mmap | Action::Shmat if may_succeed(expect) => mapped[p.0] = true,
                _ => {}
            }
            if *expect == Expectation::Blocks {
                pending[p.0] = Some((si, action));
                interrupted[p.0] = false;
            } else {
                track_ends(&mut held[p.0], effective, expect, s.mechanism.has_object());
                sockets[p.0].track(effective, expect);
            }
            life[p.0] = match (life[p.0], action) {
                _ if certain_death(expect).is_some() => Life::Killed(StepIndex(si)),
                (_, Action::Exit) => Life::Exited,
                // The driver waits for an exec'd program it signals to be gone.
                (Life::Execed, Action::Kill(_)) => Life::Exited,
                (_, Action::Exec) if may_succeed(expect) => Life::Execed,
                (now, _) => now,
            };
        }
    }
    check_atomic_records(s).map_err(|(si, m)| Located::new(spans.expect(si), m))
}

//! Checks a scenario must pass before anything runs, and the platform checks that turn
//! it into a skip.

use std::ops::Range;

use super::error::Located;
use super::model::*;
use crate::model::PlatformProfile;

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
    /// Per step.
    pub steps: Vec<StepSpans>,
}

pub(crate) struct ProcessSpans {
    /// The process's name (its key in `[processes]`).
    pub name: Range<usize>,
    /// Its `keeps` list, or its whole definition when it has none.
    pub keeps: Range<usize>,
}

pub(crate) struct StepSpans {
    pub actions: Vec<Range<usize>>,
    pub expect: Range<usize>,
}

impl Spans {
    fn keeps(&self, i: usize) -> Range<usize> {
        self.processes.get(i).map_or(0..0, |p| p.keeps.clone())
    }
    fn action(&self, step: usize, i: usize) -> Range<usize> {
        self.steps
            .get(step)
            .and_then(|s| s.actions.get(i).cloned())
            .unwrap_or(0..0)
    }
    fn expect(&self, step: usize) -> Range<usize> {
        self.steps.get(step).map_or(0..0, |s| s.expect.clone())
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
        if !p.keeps.is_empty() && mechanism != Mechanism::Pipe {
            return Err(Located::new(
                spans.keeps(i),
                format!(
                    "`keeps` applies to pipes only; a {mechanism} is opened by name with `open`"
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
    if !spans.region.is_empty() && mechanism.family() != MechanismFamily::SharedRegion {
        return Err(Located::new(
            spans.region.clone(),
            format!("`[region]` applies to shared-region mechanisms (anon-shared); this scenario's mechanism is {mechanism}"),
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
pub(crate) fn check(s: &Scenario, spans: &Spans) -> Result<(), Located> {
    check_setup(s.mechanism, &s.processes, &s.create_flags, spans)?;
    if s.region.sharing == Sharing::Private && s.mechanism == Mechanism::SysvShm {
        return Err(Located::new(
            spans.region.clone(),
            "`map = \"MAP_PRIVATE\"` cannot apply to sysv-shm: a System V attachment is always shared".to_owned(),
        ));
    }
    if s.region.len == 0 {
        return Err(Located::new(
            spans.region.clone(),
            "`size` of `[region]` must be at least 1 byte".to_owned(),
        ));
    }
    // Whether each process has the region mapped: related ones inherit it.
    let mut mapped: Vec<bool> = s
        .processes
        .iter()
        .map(|p| s.mechanism.inherits_region() && p.relation == Relation::Related)
        .collect();
    // What each process has started and not yet awaited: (step, action).
    let mut pending: Vec<Option<(usize, &Action)>> = vec![None; s.processes.len()];
    let mut life = vec![Life::Acting; s.processes.len()];
    // The descriptors each process holds, as the actor will, with the roles each serves.
    let mut held: Vec<Vec<Roles>> = s
        .processes
        .iter()
        .map(|p| p.keeps.iter().map(|e| Roles::of(*e)).collect())
        .collect();
    for (si, step) in s.steps.iter().enumerate() {
        let mut seen = Vec::new();
        for (ai, (p, action)) in step.actions.iter().enumerate() {
            let at = spans.action(si, ai);
            let name = &s.process(*p).name;
            if seen.contains(p) {
                return Err(Located::new(
                    at,
                    format!("process `{name}` acts twice in one step"),
                ));
            }
            seen.push(*p);
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
                (Life::Acting, _) => {}
            }
            check_action_fits_mechanism(s.mechanism, action)
                .map_err(|m| Located::new(at.clone(), m))?;
            let holds_object = serves(&held[p.0], End::Object).is_some();
            check_region_access(s, action, mapped[p.0], holds_object, name)
                .map_err(|m| Located::new(at.clone(), m))?;
            let effective = match (action, pending[p.0]) {
                // The driver signals the process; a call it is blocked in stays pending.
                (Action::Kill(_), _) => action,
                (Action::Await, Some((_, started))) => {
                    pending[p.0] = None;
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
            if *action != Action::Await {
                if let Some(end) = action.needs_end() {
                    if serves(&held[p.0], end).is_none() {
                        return Err(Located::new(at, no_such_end(name, end, &held[p.0])));
                    }
                }
            }
            check_expectation_fits(&step.expect, effective, matches!(action, Action::Await))
                .map_err(|m| Located::new(spans.expect(si), m))?;
            match action {
                Action::Munmap | Action::Shmdt => mapped[p.0] = false,
                Action::Mmap | Action::Shmat if may_succeed(&step.expect) => mapped[p.0] = true,
                _ => {}
            }
            if step.expect == Expectation::Blocks {
                pending[p.0] = Some((si, action));
            } else {
                track_ends(
                    &mut held[p.0],
                    effective,
                    &step.expect,
                    s.mechanism.has_object(),
                );
            }
            life[p.0] = match (life[p.0], action) {
                (_, Action::Exit) => Life::Exited,
                // The driver waits for an exec'd program it signals to be gone.
                (Life::Execed, Action::Kill(_)) => Life::Exited,
                (_, Action::Exec) if may_succeed(&step.expect) => Life::Execed,
                (now, _) => now,
            };
        }
    }
    Ok(())
}

/// Where a process is in its life, for what it may still do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Life {
    /// An actor: it performs actions.
    Acting,
    /// It ran `exec`: only `kill` reaches it.
    Execed,
    /// It is gone.
    Exited,
}

/// What one descriptor a process holds serves: reads, writes (an O_RDWR FIFO both), or
/// the scenario's named object.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Roles {
    read: bool,
    write: bool,
    object: bool,
}

impl Roles {
    fn of(end: End) -> Roles {
        Roles {
            read: end == End::Read,
            write: end == End::Write,
            object: end == End::Object,
        }
    }

    fn serves(self, end: End) -> bool {
        match end {
            End::Read => self.read,
            End::Write => self.write,
            End::Object => self.object,
        }
    }
}

/// The first descriptor that serves `end`, as the actor picks it.
fn serves(held: &[Roles], end: End) -> Option<usize> {
    held.iter().position(|h| h.serves(end))
}

fn no_such_end(name: &ProcessName, end: End, held: &[Roles]) -> String {
    let holds: Vec<&str> = held
        .iter()
        .map(|h| match (h.read, h.write) {
            _ if h.object => "the object descriptor",
            (true, true) => "a read-write descriptor",
            (true, false) => "a read end",
            _ => "a write end",
        })
        .collect();
    let holds = if holds.is_empty() {
        "nothing".to_owned()
    } else {
        holds.join(", ")
    };
    format!(
        "process `{name}` holds no {end} here (it holds {holds}); ends come from `keeps` or from an `open` (or `shm_open`) that succeeds; to call on another end use `read_on` / `write_on`"
    )
}

/// Follow what an action that completed does to the ends a process holds.
/// `object_files`: `open` opens the scenario's object (a file to map), not a FIFO end.
fn track_ends(held: &mut Vec<Roles>, action: &Action, expect: &Expectation, object_files: bool) {
    match action {
        // The actor lets go of the end whatever close() answers.
        Action::Close(end) => {
            if let Some(i) = serves(held, *end) {
                held.remove(i);
            }
        }
        Action::Open { .. } if may_succeed(expect) && object_files => {
            held.push(Roles::of(End::Object))
        }
        Action::Open { mode, .. } if may_succeed(expect) => held.push(Roles {
            read: *mode != AccessMode::WriteOnly,
            write: *mode != AccessMode::ReadOnly,
            object: false,
        }),
        Action::ShmOpen { .. } if may_succeed(expect) => held.push(Roles::of(End::Object)),
        Action::Dup(end) => {
            if let Some(i) = serves(held, *end) {
                held.push(held[i]);
            }
        }
        Action::Exit => held.clear(),
        _ => {}
    }
}

/// Whether an expectation allows the call to succeed.
fn may_succeed(expect: &Expectation) -> bool {
    match expect {
        Expectation::Blocks | Expectation::Error(_) | Expectation::Signal(_) => false,
        Expectation::AnyOf(options) => options.iter().any(may_succeed),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .any(|e| may_succeed(e)),
        _ => true,
    }
}

/// A memory access needs the region mapped, within its bounds, and an atomic one
/// aligned to 8 bytes.
fn check_region_access(
    s: &Scenario,
    action: &Action,
    mapped: bool,
    holds_object: bool,
    name: &ProcessName,
) -> Result<(), String> {
    match action {
        Action::Mmap if s.mechanism.has_object() && !holds_object => {
            return Err(format!(
                "process `{name}` holds no object descriptor to map; `shm_open` or `open` opens one"
            ))
        }
        Action::Mmap | Action::Shmat if mapped => {
            return Err(format!("process `{name}` has the region mapped already; `munmap` or `shmdt` it first"))
        }
        Action::Mmap
        | Action::Shmat
        | Action::ShmctlRmid
        | Action::ShmOpen { .. }
        | Action::ShmUnlink
        | Action::Close(_)
        | Action::Ftruncate { .. }
        | Action::FstatSize(_)
        | Action::Pread { .. }
        | Action::Pwrite { .. } => return Ok(()),
        a if a.family() == Some(MechanismFamily::SharedRegion) && !mapped => {
            return Err(format!(
                "process `{name}` has no region mapped here (an unrelated process inherits none, and `munmap` removes it); `mmap` maps a new one"
            ))
        }
        _ => {}
    }
    let Some((at, len)) = action.region_access() else {
        return Ok(());
    };
    if matches!(
        action,
        Action::StoreU64 { .. } | Action::LoadU64 { .. } | Action::FetchAddU64 { .. }
    ) && at % 8 != 0
    {
        return Err(format!(
            "`{}` at {at} is not 8-byte aligned; expected an offset that is a multiple of 8",
            action.name()
        ));
    }
    if let Size::Bytes(len) = len {
        if at.checked_add(len).is_none_or(|end| end > s.region.len) {
            return Err(format!(
                "`{}` of {len} bytes at {at} runs past the end of the {}-byte region",
                action.name(),
                s.region.len
            ));
        }
    }
    Ok(())
}

fn check_action_fits_mechanism(mechanism: Mechanism, action: &Action) -> Result<(), String> {
    use Mechanism::*;
    let only: &[Mechanism] = match action {
        Action::Mmap | Action::Munmap => &[AnonShared, PosixShm, FileMmap],
        Action::Msync => &[FileMmap],
        Action::Shmat | Action::Shmdt | Action::ShmctlRmid => &[SysvShm],
        Action::ShmOpen { .. } | Action::ShmUnlink => &[PosixShm],
        Action::Mkfifo => &[Fifo],
        Action::Open { .. } | Action::Unlink => &[Fifo, FileMmap],
        _ if action.needs_end() == Some(End::Object) => &[PosixShm, FileMmap],
        _ => &[],
    };
    if !only.is_empty() && !only.contains(&mechanism) {
        let names: Vec<&str> = only.iter().map(|m| m.name()).collect();
        let what = match action.needs_end() {
            Some(End::Object) => format!("`{}` on the object descriptor", action.name()),
            _ => format!("`{}`", action.name()),
        };
        return Err(format!(
            "{what} belongs to {}; this scenario's mechanism is {mechanism}",
            names.join(" and ")
        ));
    }
    if let Some(family) = action.family() {
        if family != mechanism.family() {
            return Err(format!(
                "`{}` applies to {family}; this scenario's mechanism {mechanism} is one of the {}",
                action.name(),
                mechanism.family()
            ));
        }
    }
    Ok(())
}

/// Whether `expect` can describe the result of `action`; `awaited` when the step's
/// action is `completes` and `action` the call it awaits.
fn check_expectation_fits(
    expect: &Expectation,
    action: &Action,
    awaited: bool,
) -> Result<(), String> {
    let kind = action.result_kind();
    let name = action.name();
    let bad = |what: &str, why: String| Err(format!("`{what}` cannot apply to {why}"));
    match expect {
        Expectation::Blocks if awaited => bad(
            "blocks",
            format!("`completes`: it awaits the `{name}` that already blocked; expected the outcome of that call"),
        ),
        Expectation::Blocks if matches!(action, Action::Kill(_)) => bad(
            "blocks",
            "`kill`, which the driver does at once; expected \"succeeds\"".to_owned(),
        ),
        Expectation::Blocks if action.family() == Some(MechanismFamily::SharedRegion) => bad(
            "blocks",
            format!("`{name}`: memory accesses and mappings do not block; expected \"succeeds\" or an outcome"),
        ),
        Expectation::Blocks if matches!(action, Action::Exit | Action::Exec) => {
            bad("blocks", format!("`{name}`, which never blocks; expected \"succeeds\""))
        }
        Expectation::Eof | Expectation::Data(_) if kind != ResultKind::Bytes => bad(
            if matches!(expect, Expectation::Eof) {
                "eof"
            } else {
                "data"
            },
            format!("`{name}`, which reads no bytes; expected {}", fitting(kind)),
        ),
        Expectation::Returns(_) | Expectation::ReturnsBetween(..) | Expectation::ReturnsAtLeast(_)
            if kind == ResultKind::Unit =>
        {
            let what = match expect {
                Expectation::Returns(_) => "returns",
                Expectation::ReturnsBetween(..) => "returns_between",
                _ => "returns_at_least",
            };
            bad(what, format!("`{name}`, which returns no count; expected {}", fitting(kind)))
        }
        Expectation::Records(_) if !matches!(action, Action::ReadToEnd) => bad(
            "records",
            format!("`{name}`; it checks what \"read_to_end\" read"),
        ),
        Expectation::AnyOf(_) | Expectation::Platform(_) if nested_blocks(expect) =>
        {
            Err("`blocks` cannot be one outcome among others: whether a call blocks is checked on its own, so write expect = \"blocks\" alone (a platform that differs needs a scenario of its own)".to_owned())
        }
        Expectation::AnyOf(options) => {
            if options.is_empty() {
                return Err(
                    "`any_of` needs at least one outcome, expected a list such as { any_of = [\"eof\", { error = \"EAGAIN\" }] }"
                        .to_owned(),
                );
            }
            options
                .iter()
                .try_for_each(|e| check_expectation_fits(e, action, awaited))
        }
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .try_for_each(|e| check_expectation_fits(e, action, awaited)),
        _ => Ok(()),
    }
}

/// Whether `blocks` stands directly inside an `any_of` or `platform`.
fn nested_blocks(expect: &Expectation) -> bool {
    match expect {
        Expectation::AnyOf(options) => options.contains(&Expectation::Blocks),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .any(|e| **e == Expectation::Blocks),
        _ => false,
    }
}

/// The expectations that fit an action's kind of result, for error messages.
fn fitting(kind: ResultKind) -> &'static str {
    match kind {
        ResultKind::Count => "\"succeeds\", { returns = N }, { returns_between = [A, B] }, { error = ... } or { signal = ... }",
        ResultKind::Unit => "\"succeeds\", { error = ... } or { signal = ... }",
        ResultKind::Bytes | ResultKind::Awaited => "an outcome of a read",
    }
}

/// Why a valid scenario cannot run on this platform, if it cannot: a skip, not a failure.
pub fn skip_reason(s: &Scenario, profile: &PlatformProfile) -> Option<String> {
    let mut needs: Vec<Feature> = s.requires.clone();
    if !s.create_flags.is_empty() {
        needs.push(Feature::Pipe2);
    }
    for step in &s.steps {
        for (_, action) in &step.actions {
            if matches!(action, Action::GetPipeSize(_) | Action::SetPipeSize { .. }) {
                needs.push(Feature::PipeSize);
            }
        }
    }
    if let Some(f) = needs.iter().find(|f| !profile.has(**f)) {
        return Some(format!("{} has no {}", profile.platform, f.name()));
    }
    let mut sizes = Vec::new();
    for step in &s.steps {
        for (_, a) in &step.actions {
            match a {
                Action::Read(n) | Action::ReadExactly(n) => sizes.push(*n),
                Action::WriteRecords { len, .. } => sizes.push(*len),
                Action::SetPipeSize { size, .. } => sizes.push(*size),
                Action::Write(Payload::Pattern { len, .. }) => sizes.push(*len),
                _ => {}
            }
        }
        if let Err(reason) = expectation_sizes(&step.expect, profile, &mut sizes) {
            return Some(reason);
        }
    }
    sizes
        .into_iter()
        .find_map(|size| profile.resolve(size).err())
}

/// Collect the sizes an expectation names on this platform; `Err` when it states no
/// expectation for this platform at all.
fn expectation_sizes(
    e: &Expectation,
    profile: &PlatformProfile,
    out: &mut Vec<Size>,
) -> Result<(), String> {
    match e {
        Expectation::Returns(n) | Expectation::ReturnsAtLeast(n) => out.push(*n),
        Expectation::ReturnsBetween(a, b) => out.extend([*a, *b]),
        Expectation::Data(Payload::Pattern { len, .. }) => out.push(*len),
        Expectation::Records(r) => out.push(r.len),
        Expectation::AnyOf(v) => v
            .iter()
            .try_for_each(|e| expectation_sizes(e, profile, out))?,
        Expectation::Platform(p) => match p.for_platform(profile.platform) {
            Some(e) => expectation_sizes(e, profile, out)?,
            None => {
                return Err(format!(
                    "the scenario states no expectation for {}",
                    profile.platform
                ))
            }
        },
        _ => {}
    }
    Ok(())
}

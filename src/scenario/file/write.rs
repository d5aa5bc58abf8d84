//! Writing a scenario back as a file: what the fuzzer does with a shrunk failure, so
//! that it is replayed as an ordinary scenario from then on. It covers what generated
//! scenarios use (pipes and FIFOs: opens, reads, writes, records, closes, dups,
//! O_NONBLOCK, unlink, exit, kill, awaiting; sockets: socket, bind, listen, accept,
//! connect, send, recv, descriptors passed with SCM_RIGHTS, poll, getsockopt, descriptor flags,
//! shutdown, close, O_NONBLOCK; shared regions:
//! the region, maps, loads, stores, atomics, protection, opening, sizing and removing
//! the object; their expectations, with ranges, `any_of` and per-platform branches);
//! anything else is refused with its name.

use std::fmt::Write as _;

use super::FORMAT_VERSION;
use crate::scenario::{
    AccessMode, Action, End, Expectation, FdFlag, IpcFlag, LockCall, MadeBy, MsgFlag, MutexKind,
    MutexSpec, OpenFlag, Pattern, Payload, PollEvent, Prot, RegionSpec, Relation, Scenario,
    SemFlag, SemOp, SemWait, SemaphoreSet, SharedMemory, Sharing, ShutdownHow, SigPipe, SockOpt,
    SocketCall, SocketFlag, Stdin, SysvKey,
};

/// The scenario as file text, with `comment` lines (`# …`) on top (control characters,
/// which a TOML comment cannot hold, shown as `.`; a long line cut at 200 characters).
pub fn to_file_text(scenario: &Scenario, comment: &[String]) -> Result<String, String> {
    let mut out = String::new();
    for line in comment {
        let printable: String = line
            .chars()
            .take(200)
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        let _ = writeln!(out, "# {printable}");
    }
    let _ = writeln!(out, "format_version = {FORMAT_VERSION}");
    let _ = writeln!(out, "summary = {}", quoted(&scenario.summary));
    let _ = writeln!(out, "reference = {}", quoted(&scenario.reference));
    if let Some(source) = &scenario.macos_source {
        let _ = writeln!(out, "macos_source = {}", quoted(source));
    }
    let behaviours: Vec<String> = scenario.behaviours.iter().map(|b| quoted(b)).collect();
    let _ = writeln!(out, "behaviours = [{}]", behaviours.join(", "));
    let _ = writeln!(out, "mechanism = \"{}\"", scenario.mechanism);
    if scenario.step_timeout != Scenario::DEFAULT_STEP_TIMEOUT {
        let _ = writeln!(
            out,
            "step_timeout_ms = {}",
            scenario.step_timeout.as_millis()
        );
    }
    if !scenario.create_flags.is_empty() {
        let flags: Vec<String> = scenario
            .create_flags
            .iter()
            .map(|f| quoted(open_flag(*f)))
            .collect();
        let _ = writeln!(out, "\n[create]\nflags = [{}]", flags.join(", "));
    }
    if scenario.region != RegionSpec::default() {
        let map = match scenario.region.sharing {
            Sharing::Shared => "MAP_SHARED",
            Sharing::Private => "MAP_PRIVATE",
        };
        let _ = writeln!(
            out,
            "\n[region]\nsize = {}\nmap = \"{map}\"",
            size(&scenario.region.len.to_string())
        );
        if scenario.region.made_by == MadeBy::Parent {
            let _ = writeln!(out, "made_by = \"parent\"");
        }
        if scenario.region.key == SysvKey::Random {
            let _ = writeln!(out, "key = \"random\"");
        }
    }
    if scenario.semaphores != SemaphoreSet::default() {
        let values: Vec<String> = scenario
            .semaphores
            .values
            .iter()
            .map(i32::to_string)
            .collect();
        let _ = writeln!(out, "\n[semaphores]\nvalues = [{}]", values.join(", "));
        if scenario.semaphores.key == SysvKey::Random {
            let _ = writeln!(out, "key = \"random\"");
        }
    }
    if scenario.mutex != MutexSpec::default() {
        let _ = writeln!(
            out,
            "\n[mutex]\ntype = {}\nrobust = {}\nmemory = {}",
            quoted(mutex_kind(scenario.mutex.kind)),
            scenario.mutex.robust,
            quoted(memory(scenario.mutex.memory))
        );
    }
    if let Some(unnamed) = scenario.unnamed_semaphore {
        let _ = writeln!(
            out,
            "\n[unnamed_semaphore]\nvalue = {}\nmemory = {}",
            unnamed.value,
            quoted(memory(unnamed.memory))
        );
    }
    if let Some(listener) = &scenario.listener {
        let _ = writeln!(
            out,
            "\n[listener]\nas = {}\nat = {}\nbacklog = {}",
            quoted(&listener.handle.to_string()),
            quoted(&listener.at.to_string()),
            listener.backlog
        );
    }
    let _ = writeln!(out, "\n[processes]");
    for p in &scenario.processes {
        let mut keys = Vec::new();
        if p.relation == Relation::Unrelated {
            keys.push("relation = \"unrelated\"".to_owned());
        }
        let ends: Vec<String> = p
            .keeps
            .iter()
            .map(|e| quoted(end(*e)))
            .chain(p.keeps_pair.iter().map(|h| quoted(&h.0)))
            .collect();
        if !ends.is_empty() {
            keys.push(format!("keeps = [{}]", ends.join(", ")));
        }
        if p.stdin == Stdin::Closed {
            keys.push("stdin = \"closed\"".to_owned());
        }
        if p.sigpipe == SigPipe::Ignore {
            keys.push("sigpipe = \"ignore\"".to_owned());
        }
        if p.host.is_some() || !p.handles.is_empty() {
            return Err(format!("process {}: hosts and handlers", p.name));
        }
        match keys.is_empty() {
            true => writeln!(out, "{} = {{}}", p.name),
            false => writeln!(out, "{} = {{ {} }}", p.name, keys.join(", ")),
        }
        .expect("writing to a string");
    }
    for step in &scenario.steps {
        let _ = writeln!(out, "\n[[step]]");
        if let Some(released) = step.released {
            let _ = writeln!(out, "released = {released}");
        }
        if let Some(note) = &step.note {
            let _ = writeln!(out, "note = {}", quoted(note));
        }
        for (p, action) in &step.actions {
            let _ = writeln!(
                out,
                "{} = {}",
                scenario.process(*p).name,
                action_text(action)?
            );
        }
        let _ = writeln!(out, "expect = {}", expectation_text(&step.expect)?);
        if !step.expect_for.is_empty() {
            let entries = step
                .expect_for
                .iter()
                .map(|(p, e)| {
                    Ok(format!(
                        "{} = {}",
                        scenario.process(*p).name,
                        expectation_text(e)?
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let _ = writeln!(out, "expect_for = {{ {} }}", entries.join(", "));
        }
    }
    Ok(out)
}

pub(crate) fn action_text(action: &Action) -> Result<String, String> {
    Ok(match action {
        Action::Read(n) => format!("{{ read = {} }}", size(&n.to_string())),
        Action::ReadExactly(n) => format!("{{ read_exactly = {} }}", size(&n.to_string())),
        Action::ReadToEnd | Action::Exit | Action::Await | Action::Fill | Action::Exec => {
            quoted(action.name())
        }
        Action::SetCloExec(e) => format!("{{ set_cloexec = {} }}", quoted(end(*e))),
        Action::GetFlag { end: e, flag } => format!(
            "{{ get_flag = {{ end = {}, flag = {} }} }}",
            quoted(end(*e)),
            quoted(fd_flag(*flag))
        ),
        Action::Poll { end: e, event } => format!(
            "{{ poll = {{ end = {}, event = {} }} }}",
            quoted(end(*e)),
            quoted(poll_event(*event))
        ),
        Action::Write(p) => format!("{{ write = {} }}", payload(p)),
        Action::WriteRecords { len, count } => format!(
            "{{ write_records = {{ len = {}, count = {count} }} }}",
            size(&len.to_string())
        ),
        Action::Close(e) => format!("{{ close = {} }}", quoted(end(*e))),
        Action::Dup(e) => format!("{{ dup = {} }}", quoted(end(*e))),
        Action::SetNonBlocking { end: e, on: true } => {
            format!("{{ set_nonblocking = {} }}", quoted(end(*e)))
        }
        Action::SetNonBlocking { end: e, on: false } => {
            format!("{{ clear_nonblocking = {} }}", quoted(end(*e)))
        }
        Action::Kill(s) => format!("{{ kill = {} }}", quoted(&s.to_string())),
        Action::Open { mode, flags }
        | Action::ShmOpen {
            mode,
            flags,
            name_len: None,
        } => {
            let flags: Vec<String> = flags.iter().map(|f| quoted(open_flag(*f))).collect();
            let mode = match mode {
                AccessMode::ReadOnly => "O_RDONLY",
                AccessMode::WriteOnly => "O_WRONLY",
                AccessMode::ReadWrite => "O_RDWR",
            };
            format!(
                "{{ {} = {{ mode = \"{mode}\", flags = [{}] }} }}",
                action.name(),
                flags.join(", ")
            )
        }
        Action::Shmget { size: len, flags } => {
            let flags = flags.iter().copied().map(ipc_flag);
            format!(
                "{{ shmget = {{ size = {}{} }} }}",
                size(&len.to_string()),
                flags_text(flags)
            )
        }
        Action::Semop(call) => {
            let ops: Vec<String> = call.ops.iter().map(sem_op).collect();
            let ops = format!("[{}]", ops.join(", "));
            match call.timeout {
                None => format!("{{ semop = {ops} }}"),
                Some(t) => format!(
                    "{{ semtimedop = {{ ops = {ops}, timeout_ms = {} }} }}",
                    t.as_millis()
                ),
            }
        }
        Action::SetVal { num, value } => {
            format!("{{ setval = {{ num = {num}, value = {value} }} }}")
        }
        Action::SemCount { num, .. } => format!("{{ {} = {num} }}", action.name()),
        Action::Semget { nsems, flags } => {
            let flags = flags.iter().copied().map(ipc_flag);
            format!("{{ semget = {{ nsems = {nsems}{} }} }}", flags_text(flags))
        }
        Action::SemOpen {
            flags,
            value,
            name_len,
        } => {
            let flags = flags.iter().map(|f| open_flag(*f));
            let name_len = name_len
                .map(|len| format!(", name_len = {}", size(&len.to_string())))
                .unwrap_or_default();
            format!(
                "{{ sem_open = {{ value = {value}{}{name_len} }} }}",
                flags_text(flags)
            )
        }
        Action::SemWait(SemWait::Timed(t)) => {
            format!("{{ sem_timedwait = {{ timeout_ms = {} }} }}", t.as_millis())
        }
        Action::Lock(LockCall::CondWait(Some(t))) => {
            format!(
                "{{ cond_timedwait = {{ timeout_ms = {} }} }}",
                t.as_millis()
            )
        }
        Action::Lock(_)
        | Action::SemWait(_)
        | Action::SemPost
        | Action::SemGetValue
        | Action::SemClose
        | Action::SemUnlink => quoted(action.name()),
        Action::Mkfifo
        | Action::Unlink
        | Action::Munmap
        | Action::Mmap
        | Action::Msync
        | Action::ShmUnlink
        | Action::Shmat
        | Action::Shmdt
        | Action::ShmctlRmid
        | Action::SemctlRmid => quoted(action.name()),
        Action::Store { at, data } => {
            format!(
                "{{ store = {{ at = {}, data = {} }} }}",
                size(&at.to_string()),
                payload(data)
            )
        }
        Action::Load { at, len } => format!(
            "{{ load = {{ at = {}, len = {} }} }}",
            size(&at.to_string()),
            size(&len.to_string())
        ),
        Action::StoreU64 { at, value } => {
            format!("{{ store_u64 = {{ at = {at}, value = {value} }} }}")
        }
        Action::LoadU64 { at } => format!("{{ load_u64 = {{ at = {at} }} }}"),
        Action::FetchAddU64 { at, value, times } => {
            format!("{{ fetch_add_u64 = {{ at = {at}, value = {value}, times = {times} }} }}")
        }
        Action::Mprotect(prots) => {
            let prots: Vec<&str> = prots
                .iter()
                .map(|p| match p {
                    Prot::Read => "\"PROT_READ\"",
                    Prot::Write => "\"PROT_WRITE\"",
                })
                .collect();
            format!("{{ mprotect = [{}] }}", prots.join(", "))
        }
        Action::Ftruncate { end: e, len } => format!(
            "{{ ftruncate = {{ end = {}, len = {} }} }}",
            quoted(end(*e)),
            size(&len.to_string())
        ),
        Action::FstatSize(e) => format!("{{ fstat_size = {} }}", quoted(end(*e))),
        Action::Pread { end: e, at, len } => format!(
            "{{ pread = {{ end = {}, at = {}, len = {} }} }}",
            quoted(end(*e)),
            size(&at.to_string()),
            size(&len.to_string())
        ),
        Action::Pwrite { end: e, at, data } => format!(
            "{{ pwrite = {{ end = {}, at = {}, data = {} }} }}",
            quoted(end(*e)),
            size(&at.to_string()),
            payload(data)
        ),
        Action::Socket(call) => socket_text(call)?,
        other => return Err(format!("the action `{}`", other.name())),
    })
}

fn socket_text(call: &SocketCall) -> Result<String, String> {
    Ok(match call {
        SocketCall::Socket { name, flags } => {
            format!(
                "{{ socket = {{ as = {}{} }} }}",
                quoted(&name.0),
                flags_text(flags.iter().map(|f| socket_flag(*f)))
            )
        }
        SocketCall::Listen { on, backlog } => format!(
            "{{ listen = {{ on = {}, backlog = {backlog} }} }}",
            quoted(&on.0)
        ),
        SocketCall::Accept { on, name, flags } => format!(
            "{{ accept = {{ on = {}, as = {}{} }} }}",
            quoted(&on.0),
            quoted(&name.0),
            flags_text(flags.iter().map(|f| socket_flag(*f)))
        ),
        SocketCall::Bind { on, to } => format!(
            "{{ bind = {{ on = {}, to = {} }} }}",
            quoted(&on.0),
            quoted(&to.to_string())
        ),
        SocketCall::Connect { on, to } => format!(
            "{{ connect = {{ on = {}, to = {} }} }}",
            quoted(&on.0),
            quoted(&to.to_string())
        ),
        SocketCall::Send {
            on,
            data,
            to,
            flags,
        } => {
            let to = to
                .as_ref()
                .map(|a| format!(", to = {}", quoted(&a.to_string())))
                .unwrap_or_default();
            format!(
                "{{ send = {{ on = {}, data = {}{to}{} }} }}",
                quoted(&on.0),
                payload(data),
                flags_text(flags.iter().map(|f| msg_flag(*f)))
            )
        }
        SocketCall::Recv { on, len, flags } => format!(
            "{{ recv = {{ on = {}, len = {}{} }} }}",
            quoted(&on.0),
            size(&len.to_string()),
            flags_text(flags.iter().map(|f| msg_flag(*f)))
        ),
        SocketCall::Shutdown { on, how } => format!(
            "{{ shutdown = {{ on = {}, how = \"{}\" }} }}",
            quoted(&on.0),
            match how {
                ShutdownHow::Read => "SHUT_RD",
                ShutdownHow::Write => "SHUT_WR",
                ShutdownHow::Both => "SHUT_RDWR",
            }
        ),
        SocketCall::Close(on) => format!("{{ close = {} }}", quoted(&on.0)),
        SocketCall::SetNonBlocking { on, enable: true } => {
            format!("{{ set_nonblocking = {} }}", quoted(&on.0))
        }
        SocketCall::SetNonBlocking { on, enable: false } => {
            format!("{{ clear_nonblocking = {} }}", quoted(&on.0))
        }
        SocketCall::Poll { on, event } => format!(
            "{{ poll = {{ end = {}, event = {} }} }}",
            quoted(&on.0),
            quoted(poll_event(*event))
        ),
        SocketCall::GetOption { on, option } => format!(
            "{{ getsockopt = {{ on = {}, option = {} }} }}",
            quoted(&on.0),
            quoted(sock_opt(*option))
        ),
        SocketCall::SendFd { on, fd } => format!(
            "{{ send_fd = {{ on = {}, fd = {} }} }}",
            quoted(&on.0),
            quoted(&fd.0)
        ),
        SocketCall::RecvFd { on, name } => format!(
            "{{ recv_fd = {{ on = {}, as = {} }} }}",
            quoted(&on.0),
            quoted(&name.0)
        ),
        SocketCall::Dup { on, name } => format!(
            "{{ dup = {{ on = {}, as = {} }} }}",
            quoted(&on.0),
            quoted(&name.0)
        ),
        SocketCall::GetFlag { on, flag } => format!(
            "{{ get_flag = {{ end = {}, flag = {} }} }}",
            quoted(&on.0),
            quoted(fd_flag(*flag))
        ),
        other => return Err(format!("the socket call `{}`", other.name())),
    })
}

fn expectation_text(expect: &Expectation) -> Result<String, String> {
    Ok(match expect {
        Expectation::Blocks => quoted("blocks"),
        Expectation::Succeeds => quoted("succeeds"),
        Expectation::Eof => quoted("eof"),
        Expectation::Returns(n) => format!("{{ returns = {} }}", size(&n.to_string())),
        Expectation::Data(p) => format!("{{ data = {} }}", payload(p)),
        Expectation::Error(e) => format!("{{ error = {} }}", quoted(&e.to_string())),
        Expectation::Signal(s) => format!("{{ signal = {} }}", quoted(&s.to_string())),
        Expectation::Message(m) => {
            let mut parts = Vec::new();
            if let Some(data) = &m.data {
                parts.push(format!("data = {}", payload(data)));
            }
            if let Some(truncated) = m.truncated {
                parts.push(format!("truncated = {truncated}"));
            }
            match &m.from {
                Some(Some(address)) => {
                    parts.push(format!("from = {}", quoted(&address.to_string())))
                }
                Some(None) => parts.push("from = \"\"".to_owned()),
                None => {}
            }
            format!("{{ message = {{ {} }} }}", parts.join(", "))
        }
        Expectation::Records(r) => format!(
            "{{ records = {{ len = {}, writers = {}, count = {}, atomic = {} }} }}",
            size(&r.len.to_string()),
            r.writers,
            r.count,
            r.atomic
        ),
        Expectation::ReturnsBetween(a, b) => format!(
            "{{ returns_between = [{}, {}] }}",
            size(&a.to_string()),
            size(&b.to_string())
        ),
        Expectation::ReturnsAtLeast(n) => {
            format!("{{ returns_at_least = {} }}", size(&n.to_string()))
        }
        Expectation::AnyOf(v) => {
            let each: Result<Vec<String>, String> = v.iter().map(expectation_text).collect();
            format!("{{ any_of = [{}] }}", each?.join(", "))
        }
        // Scenarios carried over from the catalogue keep their per-platform branches.
        Expectation::Platform(p) => {
            let mut parts = Vec::new();
            if let Some(e) = &p.linux {
                parts.push(format!("linux = {}", expectation_text(e)?));
            }
            if let Some(e) = &p.macos {
                parts.push(format!("macos = {}", expectation_text(e)?));
            }
            format!("{{ platform = {{ {} }} }}", parts.join(", "))
        }
    })
}

/// A size: a bare number, or a quoted name with its offset.
fn size(text: &str) -> String {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.to_owned()
    } else {
        quoted(text)
    }
}

fn payload(p: &Payload) -> String {
    match p {
        Payload::Text(t) => quoted(t),
        Payload::Bytes(b) => {
            let hex: Vec<String> = b.iter().map(|c| format!("{c:02x}")).collect();
            format!("{{ hex = \"{}\" }}", hex.join(" "))
        }
        Payload::Pattern { pattern, len } => format!(
            "{{ pattern = \"{}\", len = {} }}",
            match pattern {
                Pattern::Seq => "seq",
                Pattern::Zero => "zero",
            },
            size(&len.to_string())
        ),
    }
}

/// `, flags = [...]`, or nothing for no flags.
fn flags_text<'a>(flags: impl Iterator<Item = &'a str>) -> String {
    let flags: Vec<String> = flags.map(quoted).collect();
    match flags.is_empty() {
        true => String::new(),
        false => format!(", flags = [{}]", flags.join(", ")),
    }
}

fn ipc_flag(f: IpcFlag) -> &'static str {
    match f {
        IpcFlag::Creat => "IPC_CREAT",
        IpcFlag::Excl => "IPC_EXCL",
    }
}

/// `{ num = 0, op = -1, flags = ["SEM_UNDO"] }`.
fn sem_op(op: &SemOp) -> String {
    let flags = op.flags.iter().map(|f| match f {
        SemFlag::NoWait => "IPC_NOWAIT",
        SemFlag::Undo => "SEM_UNDO",
    });
    format!(
        "{{ num = {}, op = {}{} }}",
        op.num,
        op.op,
        flags_text(flags)
    )
}

fn mutex_kind(kind: MutexKind) -> &'static str {
    match kind {
        MutexKind::Default => "PTHREAD_MUTEX_DEFAULT",
        MutexKind::Normal => "PTHREAD_MUTEX_NORMAL",
        MutexKind::ErrorCheck => "PTHREAD_MUTEX_ERRORCHECK",
        MutexKind::Recursive => "PTHREAD_MUTEX_RECURSIVE",
    }
}

fn memory(memory: SharedMemory) -> &'static str {
    match memory {
        SharedMemory::Anonymous => "anonymous",
        SharedMemory::PosixShm => "posix-shm",
        SharedMemory::File => "file",
    }
}

fn socket_flag(f: SocketFlag) -> &'static str {
    match f {
        SocketFlag::NonBlock => "SOCK_NONBLOCK",
        SocketFlag::CloExec => "SOCK_CLOEXEC",
    }
}

fn msg_flag(f: MsgFlag) -> &'static str {
    match f {
        MsgFlag::DontWait => "MSG_DONTWAIT",
        MsgFlag::Peek => "MSG_PEEK",
        MsgFlag::WaitAll => "MSG_WAITALL",
        MsgFlag::NoSignal => "MSG_NOSIGNAL",
    }
}

fn fd_flag(f: FdFlag) -> &'static str {
    match f {
        FdFlag::NonBlock => "O_NONBLOCK",
        FdFlag::CloExec => "FD_CLOEXEC",
    }
}

fn poll_event(e: PollEvent) -> &'static str {
    match e {
        PollEvent::In => "POLLIN",
        PollEvent::Out => "POLLOUT",
    }
}

fn sock_opt(o: SockOpt) -> &'static str {
    match o {
        SockOpt::RcvBuf => "SO_RCVBUF",
        SockOpt::SndBuf => "SO_SNDBUF",
        SockOpt::NoSigPipe => "SO_NOSIGPIPE",
        SockOpt::Error => "SO_ERROR",
        SockOpt::Type => "SO_TYPE",
    }
}

fn end(e: End) -> &'static str {
    match e {
        End::Read => "read",
        End::Write => "write",
        End::Object => "object",
    }
}

fn open_flag(f: OpenFlag) -> &'static str {
    match f {
        OpenFlag::NonBlock => "O_NONBLOCK",
        OpenFlag::CloExec => "O_CLOEXEC",
        OpenFlag::Creat => "O_CREAT",
        OpenFlag::Excl => "O_EXCL",
    }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::{
        catalogue, parse, Expectation, MechanismFamily, Payload, ProcessIndex, Size,
    };

    /// The catalogue's scenarios that the writer takes read back as they were written
    /// (steps compared where no step has a note, which the writer leaves out).
    #[test]
    fn catalogue_scenarios_read_back_as_written() {
        let mut written = Vec::new();
        for s in catalogue().expect("the built-in catalogue parses") {
            let Ok(text) = super::to_file_text(&s, &[]) else {
                continue;
            };
            let back = parse(Path::new("written.toml"), &text)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", s.id));
            let notes = s.steps.iter().any(|step| step.note.is_some());
            assert_eq!(
                (&back.region, &back.processes, &back.macos_source),
                (&s.region, &s.processes, &s.macos_source),
                "{}",
                s.id
            );
            if !notes {
                assert_eq!(back.steps, s.steps, "{}", s.id);
            }
            written.push(s.mechanism.family());
        }
        let regions = written
            .iter()
            .filter(|f| **f == MechanismFamily::SharedRegion)
            .count();
        eprintln!(
            "{} written, {regions} of them shared regions",
            written.len()
        );
        assert!(
            written.len() >= 140,
            "only {} scenarios were written",
            written.len()
        );
        assert!(
            regions >= 50,
            "only {regions} region scenarios were written"
        );
    }

    /// A step whose processes expect different things reads back as written, also when
    /// the file gave no `expect` (the first process's own becomes the default).
    #[test]
    fn expectations_per_process_read_back_as_written() {
        let text = r#"
format_version = 1
summary = "s"
reference = "r"
mechanism = "pipe"

[processes]
reader = { keeps = ["read"] }
writer = { keeps = ["write"] }

[[step]]
reader = { read = 5 }
writer = { write = "hello" }
expect_for = { reader = "blocks", writer = { returns = 5 } }

[[step]]
reader = "completes"
expect = { data = "hello" }
"#;
        let s = parse(Path::new("pipe/per_process.toml"), text).expect("the file parses");
        let (reader, writer) = (ProcessIndex(0), ProcessIndex(1));
        assert_eq!(s.steps[0].expectation_of(reader), &Expectation::Blocks);
        assert_eq!(
            s.steps[0].expectation_of(writer),
            &Expectation::Returns(Size::Bytes(5))
        );
        assert_eq!(
            s.steps[1].expectation_of(reader),
            &Expectation::Data(Payload::Text("hello".to_owned()))
        );
        let written = super::to_file_text(&s, &[]).expect("the writer takes it");
        assert!(
            written.contains("expect_for = { writer = { returns = 5 } }"),
            "{written}"
        );
        let back = parse(Path::new("pipe/per_process.toml"), &written)
            .unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(back.steps, s.steps);
    }
}

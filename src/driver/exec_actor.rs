//! Actors started by exec ([`ActorStart::Exec`]): for implementations whose handles or
//! state do not survive a fork. The child forked for the actor sets itself up as usual,
//! then executes the running program again with its role in the environment; that
//! program's `main` calls [`serve_exec_actor`] first thing, which finds the scenario, maps
//! the event log from its inherited descriptor, reaches the object by name, serves the
//! driver's commands on the inherited control socket, and exits.

use std::ffi::{CString, OsString};
use std::net::Ipv4Addr;
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use nix::fcntl::{fcntl, FcntlArg, FdFlag};

use super::actor::Actor;
use super::dispatch::{with_family, FamilyVisitor};
use super::error::{HarnessError, SkipReason};
use super::event_log::SharedLog;
use super::family::{ActorContext, Family};
use super::options::LOG_SLOTS;
use super::spawn::{exit_now, set_dispositions};
use crate::mechanism::{ActorStart, Implementation};
use crate::platform::PlatformProfile;
use crate::scenario::{self, Relation, Scenario, Stdin};

/// The environment variable that carries an actor's role.
const ROLE_VAR: &str = "IPC_CONFORMANCE_ACTOR";

/// The exit status of an actor started by exec that could not take up its role.
const NO_ROLE: i32 = 104;

/// What an actor started by exec is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Role {
    /// The implementation's name, for a program that knows several (the command line).
    pub(crate) implementation: String,
    /// The scenario's file, or `None` for one of the built-in catalogue.
    pub(crate) file: Option<PathBuf>,
    /// The scenario's id.
    pub(crate) scenario: String,
    /// The actor's index in the scenario.
    pub(crate) index: usize,
    /// The inherited control socket.
    pub(crate) control: RawFd,
    /// The inherited descriptor of the event log's memory.
    pub(crate) log: RawFd,
    /// The actor's IPv4 address.
    pub(crate) ip: Ipv4Addr,
    /// The object's name ([`Family::object_name`]).
    pub(crate) object: String,
}

impl Role {
    /// One line per field; no field may hold a newline.
    fn encode(&self) -> Option<String> {
        let file = match &self.file {
            Some(path) => path.to_str()?.to_owned(),
            None => String::new(),
        };
        let fields = [
            self.implementation.clone(),
            file,
            self.scenario.clone(),
            self.index.to_string(),
            self.control.to_string(),
            self.log.to_string(),
            self.ip.to_string(),
            self.object.clone(),
        ];
        (!fields.iter().any(|f| f.contains('\n'))).then(|| fields.join("\n"))
    }

    fn decode(text: &str) -> Option<Role> {
        let f: Vec<&str> = text.split('\n').collect();
        let [implementation, file, scenario, index, control, log, ip, object] = f[..] else {
            return None;
        };
        Some(Role {
            implementation: implementation.to_owned(),
            file: (!file.is_empty()).then(|| PathBuf::from(file)),
            scenario: scenario.to_owned(),
            index: index.parse().ok()?,
            control: control.parse().ok()?,
            log: log.parse().ok()?,
            ip: ip.parse().ok()?,
            object: object.to_owned(),
        })
    }
}

/// The name of the implementation this process was started to be an actor of, if it
/// was: a program that runs several implementations picks the one to pass to
/// [`serve_exec_actor`] by it.
pub fn exec_actor_implementation() -> Option<String> {
    let role = Role::decode(&std::env::var(ROLE_VAR).ok()?)?;
    Some(role.implementation)
}

/// If this process was started as an actor of `iut` (by exec), serve as that actor and
/// exit; otherwise return at once. Call it first thing in `main` of any program that
/// runs an implementation declaring [`ActorStart::Exec`].
pub fn serve_exec_actor<I: Implementation>(iut: &I) {
    let Ok(text) = std::env::var(ROLE_VAR) else {
        return;
    };
    exit_now(Role::decode(&text).map_or(NO_ROLE, |role| serve(iut, &role)))
}

fn serve<I: Implementation>(iut: &I, role: &Role) -> i32 {
    let Some(scenario) = find_scenario(role) else {
        return NO_ROLE;
    };
    let profile = PlatformProfile::host();
    let serving = Serving {
        scenario: &scenario,
        role,
        profile,
    };
    with_family(scenario.mechanism, iut, profile, serving).unwrap_or(NO_ROLE)
}

/// Serving as the actor a role describes, through the scenario's family.
struct Serving<'a> {
    scenario: &'a Scenario,
    role: &'a Role,
    profile: &'static PlatformProfile,
}

impl FamilyVisitor for Serving<'_> {
    type Output = i32;

    fn visit<F: Family>(self, family: &F) -> i32 {
        serve_family(family, self.scenario, self.role, self.profile)
    }
}

fn find_scenario(role: &Role) -> Option<Scenario> {
    match &role.file {
        Some(path) => scenario::load_file(path).ok(),
        None => scenario::catalogue()
            .ok()?
            .into_iter()
            .find(|s| s.id == role.scenario),
    }
}

#[expect(unsafe_code, reason = "taking over inherited descriptors by number")]
fn serve_family<F: Family>(
    family: &F,
    scenario: &Scenario,
    role: &Role,
    profile: &'static PlatformProfile,
) -> i32 {
    let Some(process) = scenario.processes.get(role.index) else {
        return NO_ROLE;
    };
    if set_dispositions(process.sigpipe, &process.handles).is_err() {
        return NO_ROLE;
    }
    // Rust's runtime puts /dev/null on a closed standard input before `main`.
    if process.stdin == Stdin::Closed {
        let _ = nix::unistd::close(0);
    }
    // SAFETY: the driver's child left exactly these two descriptors open for this
    // program, and nothing else in it owns them.
    let (control, memory) = unsafe {
        (
            UnixStream::from_raw_fd(role.control),
            OwnedFd::from_raw_fd(role.log),
        )
    };
    let Ok(log) = SharedLog::attach(memory, LOG_SLOTS) else {
        return NO_ROLE;
    };
    let actor = ActorContext {
        index: role.index,
        profile,
        ip: role.ip,
        capabilities: family.capabilities(scenario.mechanism),
    };
    let object = family.reopen(scenario, &role.object);
    let executor = family.adopt(object, process, actor);
    Actor::new(scenario, role.index, &log, control, executor).serve()
}

/// What the driver needs to start an actor by exec: the program and its arguments, read
/// before any fork.
pub(crate) struct Program {
    path: CString,
    args: Vec<CString>,
}

impl Program {
    /// The running program, as it was started.
    pub(crate) fn current() -> Result<Program, HarnessError> {
        let path = std::env::current_exe().map_err(HarnessError::CurrentExe)?;
        let c = |s: OsString| CString::new(s.as_bytes()).map_err(HarnessError::ProgramArgument);
        Ok(Program {
            path: c(path.into_os_string())?,
            args: std::env::args_os().map(c).collect::<Result<_, _>>()?,
        })
    }

    /// In the forked child: run the program again as the actor `role` describes, with
    /// the control socket and the log's memory left open across the exec. Returns only
    /// when the exec failed, with the exit status to leave with.
    pub(crate) fn exec_as(&self, role: &Role) -> i32 {
        let Some(encoded) = role.encode() else {
            return NO_ROLE;
        };
        for fd in [role.control, role.log] {
            // SAFETY of the borrow: the child holds both open until the exec.
            let fd = borrow(fd);
            if fcntl(fd, FcntlArg::F_SETFD(FdFlag::empty())).is_err() {
                return NO_ROLE;
            }
        }
        let mut env: Vec<CString> = std::env::vars_os()
            .filter(|(k, _)| k != ROLE_VAR)
            .filter_map(|(k, v)| {
                let mut pair = k.as_bytes().to_vec();
                pair.push(b'=');
                pair.extend_from_slice(v.as_bytes());
                CString::new(pair).ok()
            })
            .collect();
        match CString::new(format!("{ROLE_VAR}={encoded}")) {
            Ok(var) => env.push(var),
            Err(_) => return NO_ROLE,
        }
        let _ = nix::unistd::execve(&self.path, &self.args, &env);
        NO_ROLE
    }
}

#[expect(
    unsafe_code,
    reason = "borrowing a descriptor number the caller keeps open"
)]
fn borrow(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: used only while the descriptor is open (see the callers).
    unsafe { BorrowedFd::borrow_raw(fd) }
}

/// Why `scenario` cannot run with actors started by exec, if it cannot.
pub(crate) fn exec_skip_reason(
    start: ActorStart,
    implementation: &str,
    scenario: &Scenario,
) -> Option<SkipReason> {
    let related = scenario
        .processes
        .iter()
        .any(|p| p.relation == Relation::Related);
    (start == ActorStart::Exec && related).then(|| {
        SkipReason(format!(
            "implementation `{implementation}` starts its actors by exec, which nothing made \
             before the fork reaches, and this scenario has related processes"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_cross_the_environment_unchanged() {
        let role = Role {
            implementation: "ipc-channel".to_owned(),
            file: Some(PathBuf::from("/tmp/x y/fifo.toml")),
            scenario: "fifo::x".to_owned(),
            index: 1,
            control: 5,
            log: 6,
            ip: Ipv4Addr::new(169, 254, 77, 2),
            object: "shm:/ipcc.1.2".to_owned(),
        };
        assert_eq!(Role::decode(&role.encode().unwrap()), Some(role));
    }

    #[test]
    fn a_newline_in_a_field_makes_no_role() {
        let role = Role {
            implementation: "x".to_owned(),
            file: None,
            scenario: "a\nb".to_owned(),
            index: 0,
            control: 3,
            log: 4,
            ip: Ipv4Addr::LOCALHOST,
            object: String::new(),
        };
        assert_eq!(role.encode(), None);
    }
}

//! Setting a scenario up: the driver's own channels and event log, the object under
//! test, and one forked actor per process, each holding only what it may. What comes of
//! it is the [`Stage`] the play acts on, and the [`Workspace`] the finish removes.

use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;

use nix::unistd::Pid;

use super::actor::Actor;
use super::cleanup::{kill_group, PrivateDir};
use super::clock::now_ns;
use super::control::Reply;
use super::error::{HarnessError, SetupError};
use super::event_log::SharedLog;
use super::exec_actor::{Program, Role};
use super::family::{ActorContext, BufferReading, Family};
use super::fd_table::FdTable;
use super::fds::open_fds;
use super::hosts::{Host, Hosts};
use super::leaks::Baseline;
use super::options::{RunOptions, LOG_SLOTS};
use super::spawn::{check_single_threaded, control_pair, spawn, ChildSetup};
use super::stage::{ActorState, Stage};
use super::strays::{adopt_orphans, children};
use super::sweep::sweep_stale_once;
use crate::mechanism::ActorStart;
use crate::scenario::*;

/// What set-up made around the actors, kept until the finish: it sweeps what the
/// driver's children became, and dropping it removes the names.
pub(super) struct Workspace {
    /// The driver's children before the first actor was forked: none of the run's.
    pub(super) children_before: Vec<Pid>,
    /// The run's private directory, for mechanisms whose objects have names.
    _dir: Option<PrivateDir>,
    /// The network namespaces of a scenario across hosts.
    _hosts: Option<Hosts>,
}

/// Set `scenario` up with `family`: the driver's channels and log, the object, and the
/// actors, each ready for its first command.
pub(super) fn set_up<'a, F: Family>(
    scenario: &'a Scenario,
    family: &F,
    opts: &RunOptions,
) -> Result<(Stage<'a>, Workspace), SetupError> {
    check_single_threaded()?;
    sweep_stale_once();
    adopt_orphans();
    let children_before = children();
    let start_ns = now_ns();
    // Only named objects need the private directory.
    let dir = if scenario.mechanism.needs_private_dir() {
        Some(PrivateDir::create().map_err(HarnessError::PrivateDir)?)
    } else {
        None
    };
    let hosts = Hosts::create(scenario)?;
    let log = SharedLog::new(LOG_SLOTS).map_err(HarnessError::EventLog)?;
    let devnull = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(HarnessError::DevNull)?;
    let devnull = std::os::fd::OwnedFd::from(devnull);
    // The driver's channels exist before the IUT's objects and are never given to it.
    let mut driver_ends = Vec::new();
    let mut child_ends = Vec::new();
    for _ in &scenario.processes {
        let (ours, theirs) = control_pair().map_err(HarnessError::ControlPair)?;
        driver_ends.push(ours);
        child_ends.push(Some(theirs));
    }
    let program = match family.actor_start() {
        ActorStart::Exec => Some(Program::current()?),
        ActorStart::Fork => None,
    };
    // Whatever descriptors making the object opens are the object's, exposed by the
    // implementation or not: each child keeps them through its set-up, so that the
    // family lets go of what the process does not keep through the implementation
    // (closing them behind its back would leave it owning closed numbers).
    let before = open_fds();
    let driver_table = FdTable::read_own();
    let mut object = Some(family.create(scenario, dir.as_ref().map(PrivateDir::path))?);
    let object_fds: Vec<_> = open_fds()
        .into_iter()
        .filter(|fd| !before.contains(fd))
        .collect();
    // The leak check tells the object's descriptors from the driver's own by these.
    let leak_baseline = Baseline::new(driver_table, FdTable::read_own());
    // PIPE_CAPACITY is the object's, for the actors and the judge alike, where it can
    // be read; else the implementation's declared capacity or the platform's default.
    let mut measurements = Vec::new();
    let mut profile = opts.profile;
    match object.as_ref().and_then(|o| family.pipe_capacity(o)) {
        Some(Ok(size)) => {
            profile = profile.with_pipe_capacity(Some(size));
            measurements.push(format!(
                "PIPE_CAPACITY = {size}: read from the object under test (F_GETPIPE_SZ)"
            ));
        }
        Some(Err(why)) => measurements.push(match opts.profile.pipe_capacity {
            Some(size) => format!(
                "PIPE_CAPACITY = {size}: declared by the implementation or the platform's \
                 default, not read from the object ({why})"
            ),
            None => format!("PIPE_CAPACITY unknown: not read from the object ({why})"),
        }),
        None => {}
    }
    // The sockets' buffers are what the implementation makes, for the models' bounds and
    // for a scenario whose rule is the platform's default buffers.
    match object.as_ref().and_then(|o| family.socket_buffers(o)) {
        Some(Ok(BufferReading { read, default })) => {
            profile = profile.with_socket_buffers(read, read == default);
            measurements.push(format!(
                "{read}: read back from a {} socket the implementation made (getsockopt); \
                 a new one of the operating system's has {default}",
                scenario.mechanism
            ));
        }
        Some(Err(why)) => measurements.push(format!(
            "socket buffers unknown: not read back ({why}); taken to be the platform's defaults"
        )),
        None => {}
    }
    // An actor started by exec reaches the object by its name alone.
    let object_name = match &program {
        Some(_) => Some(
            object
                .as_ref()
                .and_then(|o| family.object_name(o))
                .ok_or(HarnessError::NotReachableByName)?,
        ),
        None => None,
    };
    let scenario_file = scenario.source.clone().filter(|p| p.is_file());
    let mut actors: Vec<ActorState> = Vec::new();
    let mut pgid = None;
    for (index, process) in scenario.processes.iter().enumerate() {
        let child_control = &mut child_ends[index];
        let mut keep: Vec<_> = child_control.iter().map(AsRawFd::as_raw_fd).collect();
        match program {
            // The program started by exec maps the log again; it inherits nothing
            // of the object.
            Some(_) => keep.push(log.memory().as_raw_fd()),
            None => keep.extend(&object_fds),
        }
        let host = hosts
            .as_ref()
            .zip(process.host.as_deref())
            .and_then(|(hosts, name)| hosts.of(name));
        let ip = host.map_or(Ipv4Addr::LOCALHOST, |h| h.ip);
        let setup = ChildSetup {
            netns: host.map(Host::netns),
            pgid,
            sigpipe: process.sigpipe,
            handles: &process.handles,
            keep: &keep,
            devnull: &devnull,
            stdin: process.stdin,
        };
        let log_ref = &log;
        let object_ref = &mut object;
        let (program_ref, object_name_ref, file_ref) = (&program, &object_name, &scenario_file);
        let pid = spawn(setup, move || {
            let control = child_control
                .take()
                .expect("each actor's end is taken once");
            if let (Some(program), Some(object_name)) = (program_ref, object_name_ref) {
                return program.exec_as(&Role {
                    implementation: family.name().to_owned(),
                    file: file_ref.clone(),
                    scenario: scenario.id.clone(),
                    index,
                    control: control.as_raw_fd(),
                    log: log_ref.memory().as_raw_fd(),
                    ip,
                    object: object_name.clone(),
                });
            }
            // In the child: take this process's share of its copy of the object.
            let object = object_ref
                .take()
                .expect("the child's copy of the object is taken once");
            let actor = ActorContext {
                index,
                profile,
                ip,
                capabilities: family.capabilities(scenario.mechanism),
            };
            let executor = family.adopt(object, process, actor);
            Actor::new(scenario, index, log_ref, control, executor).serve()
        })
        .map_err(|e| {
            if let Some(g) = pgid {
                kill_group(g);
            }
            HarnessError::Fork(e)
        })?;
        pgid.get_or_insert(pid);
        actors.push(ActorState {
            execed: false,
            pid,
            control: driver_ends.remove(0),
            pending: None,
            gone: None,
        });
    }
    // The driver holds no end of the object: EOF and EPIPE depend on that.
    if let Some(object) = object {
        family.release(object);
    }
    drop(child_ends);
    let mut stage = Stage {
        scenario,
        actors,
        log,
        events: Vec::new(),
        pgid: pgid.expect("a scenario has at least one process"),
        start_ns,
        profile,
        measurements,
        leak_baseline,
    };
    await_ready(&mut stage)?;
    stage
        .leak_baseline
        .started(stage.actors.iter().map(|a| a.pid));
    let workspace = Workspace {
        children_before,
        _dir: dir,
        _hosts: hosts,
    };
    Ok((stage, workspace))
}

/// Wait (in poll, not spinning: the actors need the CPU) until each actor is set up, so
/// a step's timing measures the call and not the actor's start-up.
fn await_ready(stage: &mut Stage<'_>) -> Result<(), SetupError> {
    for (actor, process) in stage.actors.iter_mut().zip(&stage.scenario.processes) {
        match Reply::recv(&mut actor.control) {
            Ok(Reply::Ready) => {}
            other => {
                kill_group(stage.pgid);
                return Err(HarnessError::DidNotStart {
                    process: process.name.clone(),
                    reply: format!("{other:?}"),
                }
                .into());
            }
        }
    }
    Ok(())
}

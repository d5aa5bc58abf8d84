//! Setting a scenario up: the driver's own channels and event log, the object under
//! test, and one forked actor per process, each holding only what it may.

use std::os::fd::AsRawFd;

use super::actor::Actor;
use super::cleanup::{kill_group, sweep_stale_once, PrivateDir};
use super::clock::now_ns;
use super::control::Reply;
use super::event_log::SharedLog;
use super::run::{ActorState, Run, RunOptions, LOG_SLOTS};
use super::spawn::{check_single_threaded, control_pair, spawn, ChildSetup};
use crate::mechanism::ByteStream;
use crate::scenario::*;

impl<'a, I: ByteStream> Run<'a, I> {
    pub(super) fn start(
        scenario: &'a Scenario,
        iut: &'a I,
        opts: &'a RunOptions,
    ) -> Result<Self, String> {
        check_single_threaded()?;
        sweep_stale_once();
        let start_ns = now_ns();
        // Only named objects need the private directory.
        let dir = match scenario.mechanism {
            Mechanism::Fifo => Some(
                PrivateDir::create()
                    .map_err(|e| format!("cannot make the private directory: {e}"))?,
            ),
            Mechanism::Pipe => None,
        };
        let fifo_path = dir
            .as_ref()
            .map(|d| d.path().join("fifo"))
            .unwrap_or_default();
        let log =
            SharedLog::new(LOG_SLOTS).map_err(|e| format!("cannot map the event log: {e}"))?;
        let devnull =
            std::fs::File::open("/dev/null").map_err(|e| format!("cannot open /dev/null: {e}"))?;
        let devnull = std::os::fd::OwnedFd::from(devnull);
        // The driver's channels exist before the IUT's objects and are never given to it.
        let mut driver_ends = Vec::new();
        let mut child_ends = Vec::new();
        for _ in &scenario.processes {
            let (ours, theirs) =
                control_pair().map_err(|e| format!("cannot make a control socketpair: {e}"))?;
            driver_ends.push(ours);
            child_ends.push(Some(theirs));
        }
        let mut object = match scenario.mechanism {
            Mechanism::Pipe => Some(
                iut.pipe(&scenario.create_flags)
                    .map_err(|e| format!("{}: pipe() failed with {e}", iut.name()))?,
            ),
            Mechanism::Fifo => {
                iut.mkfifo(&fifo_path)
                    .map_err(|e| format!("{}: mkfifo() failed with {e}", iut.name()))?;
                None
            }
        };
        let mut actors: Vec<ActorState> = Vec::new();
        let mut pgid = None;
        for (index, process) in scenario.processes.iter().enumerate() {
            let child_control = &mut child_ends[index];
            let mut keep: Vec<_> = child_control.iter().map(AsRawFd::as_raw_fd).collect();
            if process.relation == Relation::Related {
                if let Some((r, w)) = &object {
                    for end in &process.keeps {
                        let held = if *end == End::Read { r } else { w };
                        keep.extend(iut.fd(held).map(|fd| fd.as_raw_fd()));
                    }
                }
            }
            let setup = ChildSetup {
                pgid,
                sigpipe: process.sigpipe,
                handles: &process.handles,
                keep: &keep,
                devnull: &devnull,
            };
            let log_ref = &log;
            let fifo = fifo_path.as_path();
            let object_ref = &mut object;
            let pid = spawn(setup, move || {
                // In the child: take this process's ends out of the inherited object.
                let mut ends = Vec::new();
                if let Some((r, w)) = object_ref.take() {
                    let keeps = |e: End| {
                        process.relation == Relation::Related && process.keeps.contains(&e)
                    };
                    for (role, end) in [(End::Read, r), (End::Write, w)] {
                        if keeps(role) {
                            ends.push((role, end));
                        } else {
                            let _ = iut.close(end);
                        }
                    }
                }
                let control = child_control
                    .take()
                    .expect("each actor's end is taken once");
                Actor::new(
                    iut,
                    scenario,
                    opts.profile,
                    index,
                    log_ref,
                    control,
                    fifo,
                    ends,
                )
                .serve()
            })
            .map_err(|e| {
                if let Some(g) = pgid {
                    kill_group(g);
                }
                format!("fork failed: {e}")
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
        if let Some((r, w)) = object.take() {
            let _ = iut.close(r);
            let _ = iut.close(w);
        }
        drop(child_ends);
        // Wait (in poll, not spinning: the actors need the CPU) until each is set up, so
        // a step's timing measures the call and not the actor's start-up.
        for (actor, process) in actors.iter_mut().zip(&scenario.processes) {
            match Reply::recv(&mut actor.control) {
                Ok(Reply::Ready) => {}
                other => {
                    kill_group(pgid.expect("at least one actor was forked"));
                    return Err(format!("process {} did not start: {other:?}", process.name));
                }
            }
        }
        Ok(Run {
            scenario,
            opts,
            log,
            events: Vec::new(),
            actors,
            pgid: pgid.expect("a scenario has at least one process"),
            start_ns,
            current_step: 0,
            blocking: Vec::new(),
            _dir: dir,
            _iut: std::marker::PhantomData,
        })
    }
}

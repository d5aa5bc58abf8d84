//! The byte-stream family in the driver: pipes and FIFOs. Before the fork the driver
//! makes the pipe or the FIFO (and opens the FIFO's ends when a process keeps one); each
//! related process keeps the ends it names and closes the others; the driver closes its
//! own copies.

mod executor;

use std::path::{Path, PathBuf};

use self::executor::StreamExecutor;
use crate::driver::error::{HarnessError, SetupError};
use crate::driver::family::{failed_before_fork, ActorContext, Family};
use crate::driver::probe::{get_pipe_size, in_child};
use crate::mechanism::os::OsByteStream;
use crate::mechanism::{ActorStart, ByteStream, Capability, Describe};
use crate::scenario::*;

/// A byte-stream implementation under test, as the driver runs it.
pub(crate) struct ByteStreamFamily<'a, I: ByteStream> {
    iut: &'a I,
}

impl<'a, I: ByteStream> ByteStreamFamily<'a, I> {
    pub(crate) fn new(iut: &'a I) -> Self {
        ByteStreamFamily { iut }
    }
}

/// What the driver makes before the fork.
pub(crate) enum StreamObject<E> {
    /// An anonymous pipe: both ends, inherited by every process.
    Pipe {
        /// The read end.
        read: E,
        /// The write end.
        write: E,
    },
    /// A FIFO: its path, and the ends the parent opened when a related process keeps one.
    Fifo {
        /// Where it was made.
        path: PathBuf,
        /// The read and the write end, in that order.
        ends: Option<[E; 2]>,
    },
}

impl<'a, I: ByteStream> Family for ByteStreamFamily<'a, I> {
    type Object = StreamObject<I::End>;
    type Executor = StreamExecutor<'a, I>;

    fn iut(&self) -> &dyn Describe {
        self.iut
    }

    fn create(&self, scenario: &Scenario, dir: Option<&Path>) -> Result<Self::Object, SetupError> {
        let iut = self.iut;
        match scenario.mechanism {
            Mechanism::Pipe => {
                let (read, write) = iut
                    .pipe(&scenario.create_flags)
                    .map_err(|e| failed_before_fork(iut.name(), "pipe", e))?;
                Ok(StreamObject::Pipe { read, write })
            }
            Mechanism::Fifo => {
                let path = dir
                    .expect("a FIFO has a name, so the run has a private directory")
                    .join("fifo");
                // An implementation that only opens FIFOs gets one the OS made.
                if iut
                    .capabilities(Mechanism::Fifo)
                    .contains(&Capability::MakeFifo)
                {
                    iut.mkfifo(&path)
                        .map_err(|e| failed_before_fork(iut.name(), "mkfifo", e))?;
                } else {
                    OsByteStream.mkfifo(&path).map_err(HarnessError::OsMkfifo)?;
                }
                let kept = scenario.processes.iter().any(|p| !p.keeps.is_empty());
                let ends = if kept {
                    Some(self.open_both_ends(&path)?)
                } else {
                    None
                };
                Ok(StreamObject::Fifo { path, ends })
            }
            other => Err(HarnessError::WrongFamily {
                mechanism: other,
                family: "byte stream",
            }
            .into()),
        }
    }

    fn object_name(&self, object: &Self::Object) -> Option<String> {
        match object {
            StreamObject::Fifo { path, .. } => path.to_str().map(str::to_owned),
            StreamObject::Pipe { .. } => None,
        }
    }

    fn reopen(&self, _scenario: &Scenario, name: &str) -> Self::Object {
        StreamObject::Fifo {
            path: PathBuf::from(name),
            ends: None,
        }
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext<'_>,
    ) -> Self::Executor {
        // Take this process's ends out of the inherited object.
        let (inherited, fifo_path) = match object {
            StreamObject::Pipe { read, write } => (Some([read, write]), PathBuf::new()),
            StreamObject::Fifo { path, ends } => (ends, path),
        };
        let mut ends = Vec::new();
        let keeps = |e: End| process.relation == Relation::Related && process.keeps.contains(&e);
        for (role, end) in [End::Read, End::Write]
            .into_iter()
            .zip(inherited.into_iter().flatten())
        {
            if keeps(role) {
                ends.push((role, end));
            } else {
                let _ = self.iut.close(end);
            }
        }
        StreamExecutor::new(self.iut, actor, fifo_path, ends)
    }

    fn pipe_capacity(&self, object: &Self::Object) -> Option<Result<u64, String>> {
        let iut = self.iut;
        let mechanism = match object {
            StreamObject::Pipe { .. } => Mechanism::Pipe,
            StreamObject::Fifo { .. } => Mechanism::Fifo,
        };
        if !iut
            .capabilities(mechanism)
            .contains(&Capability::Descriptor)
        {
            return Some(Err("the implementation exposes no descriptor".to_owned()));
        }
        // An actor started by exec builds its own profile: it would not share ours.
        if iut.actor_start() == ActorStart::Exec {
            return Some(Err("the actors are started by exec".to_owned()));
        }
        let read = |fd| get_pipe_size(fd).map_err(|e| format!("F_GETPIPE_SZ: {e}"));
        Some(match object {
            StreamObject::Pipe { write, .. } => iut
                .fd(write)
                .ok_or_else(|| "the pipe's end has no descriptor".to_owned())
                .and_then(read),
            // A FIFO's pipe exists while it is open: a child of the driver opens it as
            // the actors will, through the implementation, without waiting and without a
            // writer, and exits before any actor is forked (the buffer goes with the last
            // close, so the actors' opens find it as they would have).
            StreamObject::Fifo { path, .. } => in_child(|| {
                let end = iut
                    .open(path, AccessMode::ReadOnly, &[OpenFlag::NonBlock])
                    .ok()?;
                iut.fd(&end).and_then(|fd| get_pipe_size(fd).ok())
            })
            .ok_or_else(|| {
                "a child opening the FIFO through the implementation could not read it".to_owned()
            }),
        })
    }

    fn release(&self, object: Self::Object) {
        let ends = match object {
            StreamObject::Pipe { read, write } => Some([read, write]),
            StreamObject::Fifo { ends, .. } => ends,
        };
        for end in ends.into_iter().flatten() {
            let _ = self.iut.close(end);
        }
    }
}

impl<I: ByteStream> ByteStreamFamily<'_, I> {
    /// Open both ends of the FIFO at `path` through the implementation, for the related
    /// processes to inherit, neither open waiting: the read end with O_NONBLOCK (it
    /// needs no writer then), the write end once a reader exists, and the read end made
    /// blocking again, as a reader that opened it without O_NONBLOCK has it.
    fn open_both_ends(&self, path: &Path) -> Result<[I::End; 2], SetupError> {
        let iut = self.iut;
        let failed = |call, e| failed_before_fork(iut.name(), call, e);
        let read = iut
            .open(path, AccessMode::ReadOnly, &[OpenFlag::NonBlock])
            .map_err(|e| failed("open(O_RDONLY | O_NONBLOCK)", e))?;
        let write = iut
            .open(path, AccessMode::WriteOnly, &[])
            .map_err(|e| failed("open(O_WRONLY)", e))?;
        iut.set_nonblocking(&read, false)
            .map_err(|e| failed("fcntl(F_SETFL) clearing O_NONBLOCK", e))?;
        Ok([read, write])
    }
}

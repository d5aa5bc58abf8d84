//! The byte-stream family in the driver: pipes and FIFOs. Before the fork the driver
//! makes the pipe or the FIFO; each related process keeps the ends it names and closes
//! the others; the driver closes its own copies.

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
    /// A FIFO: nothing is inherited but its path.
    Fifo(PathBuf),
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
                Ok(StreamObject::Fifo(path))
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
            StreamObject::Fifo(path) => path.to_str().map(str::to_owned),
            StreamObject::Pipe { .. } => None,
        }
    }

    fn reopen(&self, _scenario: &Scenario, name: &str) -> Self::Object {
        StreamObject::Fifo(PathBuf::from(name))
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext<'_>,
    ) -> Self::Executor {
        // Take this process's ends out of the inherited object.
        let mut ends = Vec::new();
        let mut fifo_path = PathBuf::new();
        match object {
            StreamObject::Pipe { read, write } => {
                let keeps =
                    |e: End| process.relation == Relation::Related && process.keeps.contains(&e);
                for (role, end) in [(End::Read, read), (End::Write, write)] {
                    if keeps(role) {
                        ends.push((role, end));
                    } else {
                        let _ = self.iut.close(end);
                    }
                }
            }
            StreamObject::Fifo(path) => fifo_path = path,
        }
        StreamExecutor::new(self.iut, actor, fifo_path, ends)
    }

    fn pipe_capacity(&self, object: &Self::Object) -> Option<Result<u64, String>> {
        let iut = self.iut;
        let mechanism = match object {
            StreamObject::Pipe { .. } => Mechanism::Pipe,
            StreamObject::Fifo(_) => Mechanism::Fifo,
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
            StreamObject::Fifo(path) => in_child(|| {
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
        if let StreamObject::Pipe { read, write } = object {
            let _ = self.iut.close(read);
            let _ = self.iut.close(write);
        }
    }
}

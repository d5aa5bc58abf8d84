//! The socket family in the driver. Before the fork the driver makes the socketpair of a
//! `socketpair` scenario (each related process keeps the ends it names); every other
//! socket is made by the processes themselves. Addresses are names the executor turns
//! into paths in the run's private directory, abstract names carrying the directory's
//! name, or loopback ports the kernel picks and the driver passes on.

mod addresses;
mod executor;

use std::path::{Path, PathBuf};

use self::addresses::AddressBook;
use self::executor::SocketExecutor;
use crate::driver::error::{HarnessError, SetupError};
use crate::driver::family::{failed_before_fork, ActorContext, Family};
use crate::mechanism::{Describe, Socket};
use crate::scenario::*;

/// A socket implementation under test, as the driver runs it.
pub(crate) struct SocketFamily<'a, I: Socket> {
    iut: &'a I,
}

impl<'a, I: Socket> SocketFamily<'a, I> {
    pub(crate) fn new(iut: &'a I) -> Self {
        SocketFamily { iut }
    }
}

/// What the driver makes before the fork.
pub(crate) struct SocketObject<H> {
    /// The domain and type of the scenario's sockets.
    kind: SocketKind,
    /// The socketpair's ends, in the order of [`Handle::PAIR`] (socketpair only).
    pair: Vec<H>,
    /// The run's private directory, where paths live (the `AF_UNIX` mechanisms).
    dir: Option<PathBuf>,
}

impl<'a, I: Socket> Family for SocketFamily<'a, I> {
    type Object = SocketObject<I::Handle>;
    type Executor = SocketExecutor<'a, I>;

    fn iut(&self) -> &dyn Describe {
        self.iut
    }

    fn create(&self, scenario: &Scenario, dir: Option<&Path>) -> Result<Self::Object, SetupError> {
        let kind = scenario
            .mechanism
            .socket_kind()
            .ok_or(HarnessError::WrongFamily {
                mechanism: scenario.mechanism,
                family: "socket",
            })?;
        let pair = if scenario.mechanism == Mechanism::Socketpair {
            let (left, right) = self
                .iut
                .socketpair(kind)
                .map_err(|e| failed_before_fork(self.iut.name(), "socketpair", e))?;
            vec![left, right]
        } else {
            Vec::new()
        };
        Ok(SocketObject {
            kind,
            pair,
            dir: dir.map(Path::to_path_buf),
        })
    }

    /// The private directory's path (empty for IPv4, whose addresses need none); a
    /// socketpair can only be inherited.
    fn object_name(&self, object: &Self::Object) -> Option<String> {
        if !object.pair.is_empty() {
            return None;
        }
        match &object.dir {
            Some(dir) => dir.to_str().map(str::to_owned),
            None => Some(String::new()),
        }
    }

    fn reopen(&self, scenario: &Scenario, name: &str) -> Self::Object {
        SocketObject {
            kind: scenario
                .mechanism
                .socket_kind()
                .expect("a socket scenario's mechanism has a socket kind"),
            pair: Vec::new(),
            dir: (!name.is_empty()).then(|| PathBuf::from(name)),
        }
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext<'_>,
    ) -> Self::Executor {
        let mut ends = Vec::new();
        for (name, end) in Handle::PAIR.iter().zip(object.pair) {
            if keeps(process, name) {
                ends.push((Handle((*name).to_owned()), end));
            } else {
                let _ = self.iut.close(end);
            }
        }
        let actor_ip = actor.ip;
        SocketExecutor::new(
            self.iut,
            actor,
            object.kind,
            AddressBook::new(object.dir, actor_ip),
            ends,
        )
    }

    fn release(&self, object: Self::Object) {
        for end in object.pair {
            let _ = self.iut.close(end);
        }
    }
}

/// Whether `process` keeps the socketpair end `name`.
fn keeps(process: &Process, name: &str) -> bool {
    process.relation == Relation::Related && process.keeps_pair.iter().any(|h| h.0 == name)
}

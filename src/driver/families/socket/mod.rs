//! The socket family in the driver. Before the fork the driver makes the socketpair of a
//! `socketpair` scenario (each related process keeps the ends it names) and the parent's
//! listener of a scenario with `[listener]` (each related process holds it; the others,
//! and the driver once they are forked, let go of it as an exiting process does); every
//! other socket is made by the processes themselves. Addresses are names the executor turns
//! into paths in the run's private directory, abstract names carrying the directory's
//! name, or loopback ports the kernel picks and the driver passes on.

mod addresses;
mod executor;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use self::addresses::AddressBook;
use self::executor::SocketExecutor;
use crate::driver::error::{HarnessError, SetupError};
use crate::driver::family::{failed_before_fork, ActorContext, BufferReading, Family};
use crate::driver::made_by_parent::MadeByParent;
use crate::driver::probe::in_child_all;
use crate::mechanism::os::OsSocket;
use crate::mechanism::{ActorStart, Describe, Socket};
use crate::platform::SocketBuffers;
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
    /// The listener the parent made (`[listener]`), with the name related processes
    /// hold it by.
    listener: Option<(Handle, MadeByParent<H>)>,
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
        let listener = match &scenario.listener {
            Some(l) => Some((l.handle.clone(), self.listen(kind, l, dir)?)),
            None => None,
        };
        Ok(SocketObject {
            kind,
            pair,
            listener,
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
            // An actor started by exec inherits nothing: it reaches a listener by name.
            listener: None,
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
        match object.listener {
            Some((name, made)) if process.relation == Relation::Related => {
                ends.push((name, made.handle));
            }
            Some((_, made)) => made.abandon(),
            None => {}
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

    fn socket_buffers(&self, object: &Self::Object) -> Option<Result<BufferReading, String>> {
        Some(read_socket_buffers(self.iut, object.kind, &object.pair))
    }

    fn release(&self, object: Self::Object) {
        for end in object.pair {
            let _ = self.iut.close(end);
        }
        if let Some((_, made)) = object.listener {
            made.abandon();
        }
    }
}

impl<I: Socket> SocketFamily<'_, I> {
    /// The parent's listener: `socket()`, `bind()` to its address in the run's private
    /// directory (or abstract namespace) and `listen()`, through the implementation.
    fn listen(
        &self,
        kind: SocketKind,
        listener: &ParentListener,
        dir: Option<&Path>,
    ) -> Result<MadeByParent<I::Handle>, SetupError> {
        let book = AddressBook::new(dir.map(Path::to_path_buf), Ipv4Addr::LOCALHOST);
        let address = book
            .resolve(&listener.at, kind.domain, true)
            .map_err(|e| HarnessError::NoListenerAddress(e.to_string()))?;
        let failed = |call, e| failed_before_fork(self.iut.name(), call, e);
        MadeByParent::make(|| {
            let socket = self
                .iut
                .socket(kind, &[])
                .map_err(|e| failed("socket", e))?;
            self.iut
                .bind(&socket, &address)
                .map_err(|e| failed("bind", e))?;
            self.iut
                .listen(&socket, listener.backlog)
                .map_err(|e| failed("listen", e))?;
            Ok(socket)
        })
    }
}

/// The buffers of `iut`'s sockets of `kind`, beside a new socket's of the same kind
/// from the operating system: read back from `pair`, a socketpair's ends, when given;
/// else from a socket `iut` makes in a child of the driver's, which exits before any
/// actor is forked.
pub(crate) fn read_socket_buffers<I: Socket>(
    iut: &I,
    kind: SocketKind,
    pair: &[I::Handle],
) -> Result<BufferReading, String> {
    // An actor started by exec builds its own profile: it would not share ours.
    if iut.actor_start() == ActorStart::Exec {
        return Err("the actors are started by exec".to_owned());
    }
    let read = match pair {
        [left, right] => buffers_of(iut, left)
            .and_then(|l| buffers_of(iut, right).map(|r| smaller(l, r)))
            .map_err(|e| format!("getsockopt on the socketpair's ends: {e}"))?,
        _ => in_child_all(|| {
            let socket = iut.socket(kind, &[]).ok()?;
            let b = buffers_of(iut, &socket).ok()?;
            Some([b.send, b.receive])
        })
        .map(|[send, receive]| SocketBuffers { send, receive })
        .ok_or_else(|| {
            "a child making a socket through the implementation could not read it back".to_owned()
        })?,
    };
    let default = match pair.is_empty() {
        true => OsSocket
            .socket(kind, &[])
            .and_then(|s| buffers_of(&OsSocket, &s)),
        false => OsSocket
            .socketpair(kind)
            .and_then(|(s, _)| buffers_of(&OsSocket, &s)),
    }
    .map_err(|e| format!("getsockopt on a new socket of the operating system's: {e}"))?;
    Ok(BufferReading { read, default })
}

/// SO_SNDBUF and SO_RCVBUF of `socket`, read back through `iut`.
fn buffers_of<I: Socket>(iut: &I, socket: &I::Handle) -> Result<SocketBuffers, Errno> {
    Ok(SocketBuffers {
        send: iut.get_option(socket, SockOpt::SndBuf)?,
        receive: iut.get_option(socket, SockOpt::RcvBuf)?,
    })
}

/// Each of the two buffers, the smaller of `a`'s and `b`'s.
fn smaller(a: SocketBuffers, b: SocketBuffers) -> SocketBuffers {
    SocketBuffers {
        send: a.send.min(b.send),
        receive: a.receive.min(b.receive),
    }
}

/// Whether `process` keeps the socketpair end `name`.
fn keeps(process: &Process, name: &str) -> bool {
    process.relation == Relation::Related && process.keeps_pair.iter().any(|h| h.0 == name)
}

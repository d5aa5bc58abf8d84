//! A socket actor's state and actions: the descriptors it holds by the scenario's names,
//! and the calls it makes on them through the IUT.
//!
//! Besides the IUT's sockets an actor may hold plain descriptors: the ends of a `pipe`
//! made to be passed, and whatever arrives by SCM_RIGHTS. Those are not the IUT's, so
//! `send` and `recv` on them are `write()` and `read()` through the descriptor.

use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::addresses::AddressBook;
use crate::driver::event_log::CallKind;
use crate::driver::family::{exposed_fds, ActorContext, Announcement, Executor};
use crate::driver::probe;
use crate::judge::payload_bytes;
use crate::judge::Outcome;
use crate::judge::{expected_floor, expected_len};
use crate::mechanism::os::set_nonblocking;
use crate::mechanism::{Capability, Socket, SocketAddress};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// A descriptor an actor holds.
enum Held<S> {
    /// A socket of the implementation under test.
    Socket(S),
    /// A descriptor that is not the IUT's: a pipe end, or one received by SCM_RIGHTS.
    Plain(OwnedFd),
}

/// A count of bytes a step expects a call to return.
#[derive(Clone, Copy, Debug)]
enum Count {
    /// Exactly this many (the step names the bytes).
    Exact(usize),
    /// At least this many.
    AtLeast(usize),
}

/// One socket actor's state.
pub(crate) struct SocketExecutor<'a, I: Socket> {
    iut: &'a I,
    profile: &'static PlatformProfile,
    /// Whether the leak check can know the descriptors it holds.
    exposes_fds: bool,
    /// Whether the implementation takes MSG_DONTWAIT, or only non-blocking mode.
    dont_wait: bool,
    kind: SocketKind,
    book: AddressBook,
    held: BTreeMap<Handle, Held<I::Handle>>,
    /// How many bytes the step being performed expects its call to return, when it
    /// says: what a receive on a stream gathers (see [`Self::rest_of_stream`]).
    expected_count: Option<Count>,
}

impl<'a, I: Socket> SocketExecutor<'a, I> {
    pub(super) fn new(
        iut: &'a I,
        actor: ActorContext<'_>,
        kind: SocketKind,
        book: AddressBook,
        pair: Vec<(Handle, I::Handle)>,
    ) -> Self {
        SocketExecutor {
            iut,
            profile: actor.profile,
            exposes_fds: actor.exposes_fds(),
            dont_wait: actor.capabilities.contains(&Capability::DontWait),
            kind,
            book,
            held: pair
                .into_iter()
                .map(|(name, end)| (name, Held::Socket(end)))
                .collect(),
            expected_count: None,
        }
    }

    /// After a receive on a stream socket got `got` bytes into `buf`, fewer than the
    /// step expects: take more, until the count the step expects. A stream keeps no
    /// boundaries and POSIX promises no count for one receive, so an implementation may
    /// hand over in several pieces what the kernel hands over in one, and a sender may
    /// send in several pieces what the scenario sends in one; judged on one call, either
    /// legal choice would fail. What is already there is taken without waiting (all of
    /// it, up to the buffer, when the step promises only a floor: one receive of the
    /// kernel's drains the queue); the rest of an exact count, or of a floor, is waited
    /// for as the call itself waits (not at all with MSG_DONTWAIT or O_NONBLOCK), since
    /// the sender may still be sending its later pieces. Peeks (which would see the same
    /// bytes again) and MSG_WAITALL (which already waits for the whole count) are left
    /// as they are, and so is an implementation without MSG_DONTWAIT. Returns the bytes
    /// in `buf` now.
    fn rest_of_stream(
        &self,
        s: &I::Handle,
        buf: &mut [u8],
        mut got: usize,
        flags: &[MsgFlag],
    ) -> usize {
        let gathers = self.kind.style == SocketStyle::Stream
            && self.dont_wait
            && !flags
                .iter()
                .any(|f| matches!(f, MsgFlag::Peek | MsgFlag::WaitAll));
        let Some(want) = self.expected_count.filter(|_| gathers) else {
            return got;
        };
        let (queued, needed) = match want {
            Count::Exact(n) => (n.min(buf.len()), n.min(buf.len())),
            Count::AtLeast(n) => (buf.len(), n.min(buf.len())),
        };
        let mut without_waiting = flags.to_vec();
        if !without_waiting.contains(&MsgFlag::DontWait) {
            without_waiting.push(MsgFlag::DontWait);
        }
        for (limit, flags) in [(queued, &without_waiting[..]), (needed, flags)] {
            while got > 0 && got < limit {
                match self.iut.recv(s, &mut buf[got..limit], flags) {
                    Ok(more) if more.len > 0 => got += more.len,
                    _ => break,
                }
            }
        }
        got
    }

    fn get(&self, handle: &Handle) -> Result<&Held<I::Handle>, Outcome> {
        self.held
            .get(handle)
            .ok_or_else(|| Outcome::NoSuchHandle(handle.0.clone()))
    }

    /// The IUT's socket behind a handle; a plain descriptor cannot do socket calls.
    fn socket(&self, handle: &Handle, call: &str) -> Result<&I::Handle, Outcome> {
        match self.get(handle)? {
            Held::Socket(s) => Ok(s),
            Held::Plain(_) => Err(Outcome::Unsupported(format!(
                "`{handle}` is a pipe end or a received descriptor, not a socket of the implementation; `{call}` applies to sockets (`send` and `recv` are write() and read() on it)"
            ))),
        }
    }

    /// The descriptor behind what an actor holds, when the IUT shows one.
    fn borrowed<'h>(&self, held: &'h Held<I::Handle>) -> Option<BorrowedFd<'h>> {
        match held {
            Held::Socket(s) => self.iut.fd(s),
            Held::Plain(fd) => Some(fd.as_fd()),
        }
    }

    /// The descriptor behind a handle, for probes that ask the kernel directly.
    fn probe_fd(&self, handle: &Handle) -> Result<BorrowedFd<'_>, Outcome> {
        let held = self.get(handle)?;
        self.borrowed(held).ok_or_else(|| {
            Outcome::Unsupported(format!(
                "the implementation shows no descriptor for `{handle}`"
            ))
        })
    }

    fn address(&self, address: &Address, binding: bool) -> Result<SocketAddress, Outcome> {
        self.book
            .resolve(address, self.kind.domain, binding)
            .map_err(|e| Outcome::Unsupported(e.to_string()))
    }

    /// Add a handle the call made; validation keeps names unique, so nothing is lost.
    fn keep(&mut self, name: &Handle, held: Held<I::Handle>) {
        self.held.insert(name.clone(), held);
    }

    fn act(&mut self, call: &SocketCall) -> Result<Outcome, Outcome> {
        let iut = self.iut;
        let err = Outcome::Error;
        Ok(match call {
            SocketCall::Socket { name, flags } => {
                let s = iut.socket(self.kind, flags).map_err(err)?;
                self.keep(name, Held::Socket(s));
                Outcome::Done
            }
            SocketCall::Pipe { read, write } => {
                let (r, w) = nix::unistd::pipe().map_err(|e| err(e.into()))?;
                self.keep(read, Held::Plain(r));
                self.keep(write, Held::Plain(w));
                Outcome::Done
            }
            SocketCall::Bind { on, to } => {
                let address = self.address(to, true)?;
                let s = self.socket(on, "bind")?;
                iut.bind(s, &address).map_err(err)?;
                if self.kind.domain != SocketDomain::Inet {
                    return Ok(Outcome::Done);
                }
                match iut.local_address(s).map_err(err)? {
                    SocketAddress::Inet(address) => {
                        self.book.learn(&to.name, address);
                        Outcome::Bound(address)
                    }
                    other => Outcome::Unsupported(format!(
                        "an IPv4 bind reported {other:?} as its address"
                    )),
                }
            }
            SocketCall::Listen { on, backlog } => {
                iut.listen(self.socket(on, "listen")?, *backlog)
                    .map_err(err)?;
                Outcome::Done
            }
            SocketCall::Accept { on, name, flags } => {
                let conn = iut.accept(self.socket(on, "accept")?, flags).map_err(err)?;
                self.keep(name, Held::Socket(conn));
                Outcome::Done
            }
            SocketCall::Connect { on, to } => {
                let address = self.address(to, false)?;
                iut.connect(self.socket(on, "connect")?, &address)
                    .map_err(err)?;
                Outcome::Done
            }
            SocketCall::Send {
                on,
                data,
                to,
                flags,
            } => {
                let bytes = payload_bytes(data, self.profile);
                let to = to.as_ref().map(|a| self.address(a, false)).transpose()?;
                let n = match self.get(on)? {
                    Held::Socket(s) => iut.send(s, &bytes, to.as_ref(), flags).map_err(err)?,
                    Held::Plain(fd) => nix::unistd::write(fd, &bytes).map_err(|e| err(e.into()))?,
                };
                Outcome::Count(n as u64)
            }
            SocketCall::Recv { on, len, flags } => {
                let len = self
                    .profile
                    .resolve(*len)
                    .expect("sizes are resolved before the run") as usize;
                let mut buf = vec![0u8; len];
                let (got, truncated, from) = match self.get(on)? {
                    Held::Socket(s) => {
                        let r = iut.recv(s, &mut buf, flags).map_err(err)?;
                        let got = self.rest_of_stream(s, &mut buf, r.len, flags);
                        (got, r.truncated, self.book.name_of(r.from.as_ref()))
                    }
                    Held::Plain(fd) => {
                        let n = nix::unistd::read(fd, &mut buf).map_err(|e| err(e.into()))?;
                        (n, false, String::new())
                    }
                };
                buf.truncate(got);
                Outcome::Message {
                    data: buf,
                    truncated,
                    from,
                }
            }
            SocketCall::Shutdown { on, how } => {
                iut.shutdown(self.socket(on, "shutdown")?, *how)
                    .map_err(err)?;
                Outcome::Done
            }
            SocketCall::SendFd { on, fd } => {
                let passed = self.probe_fd(fd)?;
                iut.send_fd(self.socket(on, "send_fd")?, passed)
                    .map_err(err)?;
                Outcome::Done
            }
            SocketCall::RecvFd { on, name } => {
                let fd = iut.recv_fd(self.socket(on, "recv_fd")?).map_err(err)?;
                self.keep(name, Held::Plain(fd));
                Outcome::Done
            }
            SocketCall::Dup { on, name } => {
                let copy = match self.get(on)? {
                    Held::Socket(s) => Held::Socket(iut.dup(s).map_err(err)?),
                    Held::Plain(fd) => {
                        Held::Plain(nix::unistd::dup(fd).map_err(|e| err(e.into()))?)
                    }
                };
                self.keep(name, copy);
                Outcome::Done
            }
            SocketCall::SetOption { on, option, value } => {
                iut.set_option(self.socket(on, "setsockopt")?, *option, *value)
                    .map_err(err)?;
                Outcome::Done
            }
            SocketCall::GetOption { on, option } => Outcome::Count(
                iut.get_option(self.socket(on, "getsockopt")?, *option)
                    .map_err(err)?,
            ),
            SocketCall::SetNonBlocking { on, enable } => {
                match self.get(on)? {
                    Held::Socket(s) => iut.set_nonblocking(s, *enable).map_err(err)?,
                    Held::Plain(fd) => set_nonblocking(fd.as_fd(), *enable).map_err(err)?,
                }
                Outcome::Done
            }
            SocketCall::GetFlag { on, flag } => Outcome::Count(u64::from(
                probe::get_flag(self.probe_fd(on)?, *flag).map_err(err)?,
            )),
            SocketCall::Poll { on, event } => Outcome::Count(u64::from(
                probe::poll_ready(self.probe_fd(on)?, *event).map_err(err)?,
            )),
            SocketCall::SendUntilFull(on) => self.send_until_full(on)?,
            SocketCall::Close(on) => {
                match self.held.remove(on) {
                    Some(Held::Socket(s)) => iut.close(s).map_err(err)?,
                    Some(Held::Plain(fd)) => nix::unistd::close(fd).map_err(|e| err(e.into()))?,
                    None => return Err(Outcome::NoSuchHandle(on.0.clone())),
                }
                Outcome::Done
            }
        })
    }

    /// Sends of 1 KiB that must not block while they go in, then halves down to single
    /// bytes: the socket is full when even one byte gets EAGAIN. Returns the bytes taken.
    /// The sends carry MSG_DONTWAIT, or, for an implementation without it, go out in
    /// non-blocking mode, turned off again after when the socket was blocking (as its
    /// descriptor says, or as assumed when it shows none).
    fn send_until_full(&self, on: &Handle) -> Result<Outcome, Outcome> {
        let s = self.socket(on, "send_until_full")?;
        let was_nonblocking = match self.iut.fd(s) {
            Some(fd) => probe::get_flag(fd, FdFlag::NonBlock).map_err(Outcome::Error)?,
            None => false,
        };
        let toggle = !self.dont_wait && !was_nonblocking;
        if toggle {
            self.iut.set_nonblocking(s, true).map_err(Outcome::Error)?;
        }
        let flags: &[MsgFlag] = if self.dont_wait {
            &[MsgFlag::DontWait]
        } else {
            &[]
        };
        let chunk = [0x55u8; 1024];
        let mut size = chunk.len();
        let mut total = 0u64;
        let filled = loop {
            match self.iut.send(s, &chunk[..size], None, flags) {
                Ok(n) => total += n as u64,
                Err(Errno(libc::EAGAIN)) if size > 1 => size /= 2,
                Err(Errno(libc::EAGAIN)) => break Ok(Outcome::Count(total)),
                Err(e) => break Err(Outcome::Error(e)),
            }
        };
        if toggle {
            self.iut.set_nonblocking(s, false).map_err(Outcome::Error)?;
        }
        filled
    }
}

impl<I: Socket> Executor for SocketExecutor<'_, I> {
    fn announce(&self, action: &Action) -> Announcement {
        let Action::Socket(call) = action else {
            unreachable!("validation keeps other actions out of socket scenarios")
        };
        let kind = match call {
            SocketCall::Accept { .. } => CallKind::Accept,
            SocketCall::Connect { .. } => CallKind::Connect,
            SocketCall::Send { .. } | SocketCall::SendFd { .. } | SocketCall::SendUntilFull(_) => {
                CallKind::Write
            }
            SocketCall::Recv { .. } | SocketCall::RecvFd { .. } => CallKind::Read,
            _ => CallKind::Other,
        };
        let on = call.uses().first().map(|h| (*h).clone());
        let fd = on
            .as_ref()
            .and_then(|h| self.held.get(h))
            .and_then(|held| self.borrowed(held))
            .map(|fd| fd.as_raw_fd())
            .unwrap_or(-1);
        let text = match &on {
            Some(h) => format!("{}({h})", call.name()),
            None => call.name().to_owned(),
        };
        Announcement {
            call: kind,
            arg: fd.into(),
            text,
        }
    }

    fn perform(&mut self, action: &Action, expect: &Expectation) -> Outcome {
        let Action::Socket(call) = action else {
            unreachable!("validation keeps other actions out of socket scenarios")
        };
        self.expected_count = expected_len(expect, self.profile)
            .map(Count::Exact)
            .or_else(|| expected_floor(expect, self.profile).map(Count::AtLeast));
        self.act(call).unwrap_or_else(|o| o)
    }

    fn held_fds(&self) -> Option<Vec<RawFd>> {
        exposed_fds(
            self.exposes_fds,
            self.held.values().filter_map(|h| self.borrowed(h)),
        )
    }

    fn handles(&self) -> usize {
        self.held.len()
    }

    fn learn(&mut self, name: &str, address: SocketAddrV4) {
        self.book.learn(name, address);
    }
}

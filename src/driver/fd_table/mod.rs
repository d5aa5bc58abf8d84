//! A process's descriptor table as the kernel shows it to another process: which
//! descriptors are open, what each refers to, and an identity of that object, so the
//! driver can tell what an actor holds without asking the actor or the implementation
//! under test. The platform's way to read it is one module (`linux.rs`: `/proc/PID/fd`;
//! `macos.rs`: `proc_pidinfo(PROC_PIDLISTFDS)`); elsewhere there is no table.

use std::os::fd::RawFd;

use nix::unistd::Pid;

#[cfg(linux_like)]
mod linux;
#[cfg(linux_like)]
use linux as platform;

#[cfg(apple)]
mod macos;
#[cfg(apple)]
use macos as platform;

#[cfg(not(any(linux_like, apple)))]
mod platform {
    use super::Descriptor;

    pub(super) const SOURCE: &str = "no descriptor table";

    pub(super) fn read(_pid: i32) -> Result<Vec<Descriptor>, String> {
        Err("this kernel shows no other process's descriptors to the driver".to_owned())
    }
}

/// How Linux names the anonymous inodes of an event loop, at the end of a descriptor's
/// link (`anon_inode:[eventfd]`).
pub(crate) const EVENT_LOOP_LINKS: [&str; 4] =
    ["[eventpoll]", "[eventfd]", "[timerfd]", "[signalfd]"];

/// Where the table is read from, for reports.
pub(crate) const SOURCE: &str = platform::SOURCE;

/// What kind of object a descriptor refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    /// An anonymous pipe's end.
    Pipe,
    /// A FIFO, opened by its path.
    Fifo,
    /// A socket of any domain.
    Socket,
    /// A shared memory object (POSIX `shm_open`, or a memfd).
    SharedMemory,
    /// A regular file, which a process may map.
    File,
    /// An event loop's own: epoll, eventfd, timerfd, signalfd, kqueue. An async runtime
    /// holds these for itself.
    EventLoop,
    /// Anything else: a device (`/dev/null`), a directory.
    Other,
}

impl ObjectKind {
    /// Whether processes share data through objects of this kind.
    pub(crate) fn is_ipc(self) -> bool {
        !matches!(self, ObjectKind::EventLoop | ObjectKind::Other)
    }
}

/// The identity of an open object, the same in every process that holds it (on Linux
/// the device and inode numbers; on macOS the kernel's handle on the object).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ObjectId(pub(crate) u64, pub(crate) u64);

/// One open descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Descriptor {
    /// Its number in the process.
    pub(crate) fd: RawFd,
    /// What it refers to.
    pub(crate) kind: ObjectKind,
    /// The object's identity.
    pub(crate) id: ObjectId,
    /// The object in words: `pipe:[1234]`, a path, `socket:[5678]`.
    pub(crate) target: String,
}

/// The descriptors open in one process, by number.
#[derive(Clone, Debug)]
pub(crate) struct FdTable(Vec<Descriptor>);

impl FdTable {
    /// A table of these descriptors.
    pub(crate) fn new(mut descriptors: Vec<Descriptor>) -> FdTable {
        descriptors.sort_by_key(|d| d.fd);
        FdTable(descriptors)
    }

    /// Process `pid`'s table, read from the kernel; or why it could not be read.
    pub(crate) fn read(pid: Pid) -> Result<FdTable, String> {
        platform::read(pid.as_raw()).map(FdTable::new)
    }

    /// This process's own table.
    pub(crate) fn read_own() -> Result<FdTable, String> {
        FdTable::read(nix::unistd::getpid())
    }

    /// Every descriptor, by number.
    pub(crate) fn descriptors(&self) -> &[Descriptor] {
        &self.0
    }

    /// The identities of the objects it holds.
    pub(crate) fn ids(&self) -> impl Iterator<Item = ObjectId> + '_ {
        self.0.iter().map(|d| d.id)
    }

    /// Whether it holds a descriptor of object `id`.
    pub(crate) fn holds(&self, id: ObjectId) -> bool {
        self.ids().any(|held| held == id)
    }

    /// Whether it holds `d`'s object under `d`'s number.
    pub(crate) fn holds_as(&self, d: &Descriptor) -> bool {
        self.0.iter().any(|held| held.fd == d.fd && held.id == d.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_made_here_is_in_this_process_table() {
        if !cfg!(any(target_os = "linux", target_os = "macos")) {
            return;
        }
        let (read, write) = nix::unistd::pipe().unwrap();
        let table = FdTable::read_own().unwrap();
        let find = |fd: &std::os::fd::OwnedFd| {
            use std::os::fd::AsRawFd;
            table
                .descriptors()
                .iter()
                .find(|d| d.fd == fd.as_raw_fd())
                .cloned()
                .unwrap()
        };
        let (r, w) = (find(&read), find(&write));
        assert_eq!((r.kind, w.kind), (ObjectKind::Pipe, ObjectKind::Pipe));
        assert!(table.holds(r.id));
        drop((read, write));
    }
}

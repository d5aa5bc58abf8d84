//! The event log: a nameless MAP_SHARED region that every actor and the driver append
//! to, so that the trace is totally ordered across processes.
//!
//! A writer claims a slot with one `fetch_add` on the header's counter (that index is the
//! global sequence number), fills the slot's fields, then publishes it by storing
//! `ready = 1` with Release. The reader loads `ready` with Acquire before it reads the
//! fields, and reads slots in index order, stopping at the first one not yet published.
//! Every field is an atomic, so a slot is never read torn and no access is a data race.

use super::sync::{AtomicU32, AtomicU64, Ordering};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum EventKind {
    /// An actor is about to make the call of a step.
    Start = 1,
    /// The driver saw the actor asleep inside the call.
    Blocked = 2,
    /// The call returned.
    End = 3,
    /// The actor's process ended (exit, signal, watchdog).
    Gone = 4,
}

impl EventKind {
    fn from_raw(v: u32) -> Option<Self> {
        [Self::Start, Self::Blocked, Self::End, Self::Gone]
            .into_iter()
            .find(|k| *k as u32 == v)
    }
}

/// The call family an action sleeps in, so the driver can recognise it in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum CallKind {
    /// Not a call the oracle knows.
    Other = 0,
    /// `read()` and relatives.
    Read = 1,
    /// `write()` and relatives.
    Write = 2,
    /// `open()` / `openat()`.
    Open = 3,
    /// `accept()` / `accept4()`.
    Accept = 4,
    /// `connect()`.
    Connect = 5,
    /// `semop()` / `semtimedop()`.
    Semop = 6,
    /// A wait on a futex word (`sem_wait()` and relatives, on Linux).
    Futex = 7,
    /// A wait on a futex word anywhere in one page (a process-shared lock's: the
    /// mutex's word, or the condition variable's).
    FutexInPage = 8,
}

impl CallKind {
    fn from_raw(v: u32) -> Self {
        [
            Self::Read,
            Self::Write,
            Self::Open,
            Self::Accept,
            Self::Connect,
            Self::Semop,
            Self::Futex,
            Self::FutexInPage,
        ]
        .into_iter()
        .find(|k| *k as u32 == v)
        .unwrap_or(Self::Other)
    }
}

const TEXT_WORDS: usize = 8;
/// Bytes of text an event carries; longer text is cut.
pub const TEXT_LEN: usize = TEXT_WORDS * 8;

/// One event as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The global sequence number.
    pub seq: u32,
    /// What happened.
    pub kind: EventKind,
    /// The actor's index in the scenario.
    pub actor: u32,
    /// The step index.
    pub step: u32,
    /// The call family (for Start).
    pub call: CallKind,
    /// The call's first argument the oracle matches (a descriptor, a semaphore set's
    /// id, a futex word's address), or -1.
    pub arg: i64,
    /// CLOCK_MONOTONIC in nanoseconds.
    pub time_ns: u64,
    /// A short description.
    pub text: String,
}

#[repr(C)]
pub(crate) struct Header {
    next: AtomicU32,
    overflowed: AtomicU32,
}

#[repr(C)]
pub(crate) struct Slot {
    ready: AtomicU32,
    kind: AtomicU32,
    actor: AtomicU32,
    step: AtomicU32,
    call: AtomicU32,
    arg: AtomicU64,
    time_ns: AtomicU64,
    text: [AtomicU64; TEXT_WORDS],
}

/// The protocol over a header and slots, wherever they live (shared memory, or the
/// heap in loom tests).
pub(crate) struct LogView<'a> {
    header: &'a Header,
    slots: &'a [Slot],
}

impl<'a> LogView<'a> {
    pub(crate) fn new(header: &'a Header, slots: &'a [Slot]) -> Self {
        LogView { header, slots }
    }

    /// Append an event; false when the log is full (then `overflowed` is set).
    pub(crate) fn append(&self, e: &Event) -> bool {
        let index = self.header.next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(slot) = self.slots.get(index) else {
            self.header.overflowed.store(1, Ordering::Relaxed);
            return false;
        };
        slot.kind.store(e.kind as u32, Ordering::Relaxed);
        slot.actor.store(e.actor, Ordering::Relaxed);
        slot.step.store(e.step, Ordering::Relaxed);
        slot.call.store(e.call as u32, Ordering::Relaxed);
        slot.arg.store(e.arg as u64, Ordering::Relaxed);
        slot.time_ns.store(e.time_ns, Ordering::Relaxed);
        let mut bytes = [0u8; TEXT_LEN];
        let text = e.text.as_bytes();
        let n = text.len().min(TEXT_LEN);
        bytes[..n].copy_from_slice(&text[..n]);
        for (word, chunk) in slot.text.iter().zip(bytes.chunks_exact(8)) {
            word.store(
                u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")),
                Ordering::Relaxed,
            );
        }
        slot.ready.store(1, Ordering::Release);
        true
    }

    /// The published event at `index`, if it is published.
    pub(crate) fn get(&self, index: usize) -> Option<Event> {
        let slot = self.slots.get(index)?;
        if slot.ready.load(Ordering::Acquire) != 1 {
            return None;
        }
        let mut bytes = Vec::with_capacity(TEXT_LEN);
        for word in &slot.text {
            bytes.extend_from_slice(&word.load(Ordering::Relaxed).to_le_bytes());
        }
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        bytes.truncate(end);
        Some(Event {
            seq: index as u32,
            kind: EventKind::from_raw(slot.kind.load(Ordering::Relaxed))?,
            actor: slot.actor.load(Ordering::Relaxed),
            step: slot.step.load(Ordering::Relaxed),
            call: CallKind::from_raw(slot.call.load(Ordering::Relaxed)),
            arg: slot.arg.load(Ordering::Relaxed) as i64,
            time_ns: slot.time_ns.load(Ordering::Relaxed),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    pub(crate) fn overflowed(&self) -> bool {
        self.header.overflowed.load(Ordering::Relaxed) != 0
    }
}

/// The log in a MAP_SHARED mapping of nameless memory (a memfd on Linux) made before the
/// actors fork, so every actor and the driver see the same pages; an actor started by
/// exec maps it again from its descriptor. It is never handed to the IUT.
#[cfg(not(loom))]
pub struct SharedLog {
    base: std::ptr::NonNull<std::ffi::c_void>,
    len: usize,
    slots: usize,
    /// Events the reader has taken so far.
    cursor: usize,
    /// The memory's descriptor, close-on-exec: kept by the driver, for actors started
    /// by exec; an actor lets go of it once mapped (it would count as a leak).
    memory: Option<std::os::fd::OwnedFd>,
}

#[cfg(not(loom))]
#[expect(unsafe_code, reason = "mapping and viewing the shared region")]
impl SharedLog {
    /// A new, empty log with room for `slots` events.
    pub fn new(slots: usize) -> nix::Result<Self> {
        let memory = log_memory()?;
        nix::unistd::ftruncate(&memory, Self::len(slots) as libc::off_t)?;
        let mut log = Self::map(&memory, slots)?;
        log.memory = Some(memory);
        Ok(log)
    }

    /// The log the driver made, from its memory's descriptor: what an actor started by
    /// exec inherited.
    pub fn attach(memory: std::os::fd::OwnedFd, slots: usize) -> nix::Result<Self> {
        Self::map(&memory, slots)
    }

    /// The descriptor of the log's memory (the driver's log only).
    pub fn memory(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.memory
            .as_ref()
            .expect("the driver's log keeps its memory's descriptor")
            .as_fd()
    }

    fn len(slots: usize) -> usize {
        std::mem::size_of::<Header>() + slots * std::mem::size_of::<Slot>()
    }

    fn map(memory: &std::os::fd::OwnedFd, slots: usize) -> nix::Result<Self> {
        use nix::sys::mman::{mmap, MapFlags, ProtFlags};
        let len = Self::len(slots);
        let length = std::num::NonZeroUsize::new(len).expect("a log has a header");
        // SAFETY: a fresh shared mapping of memory only logs are made of aliases no Rust
        // object; MAP_SHARED keeps it shared with the actors, which is the point.
        let base = unsafe {
            mmap(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                memory,
                0,
            )?
        };
        Ok(SharedLog {
            base,
            len,
            slots,
            cursor: 0,
            memory: None,
        })
    }

    fn view(&self) -> LogView<'_> {
        // SAFETY: the mapping is page-aligned, zero-filled and `len` bytes long: a Header
        // followed by `slots` Slots, all made of atomics, for which all-zero is a valid
        // value. It lives until `self` is dropped, which outlives the borrow.
        unsafe {
            let header = &*(self.base.as_ptr() as *const Header);
            let first =
                (self.base.as_ptr() as *const u8).add(std::mem::size_of::<Header>()) as *const Slot;
            LogView::new(header, std::slice::from_raw_parts(first, self.slots))
        }
    }

    /// Append an event (from the driver or, after the fork, from an actor).
    pub fn append(&self, e: &Event) -> bool {
        self.view().append(e)
    }

    /// The events published since the last call, in sequence order.
    pub fn take_new(&mut self) -> Vec<Event> {
        let mut cursor = self.cursor;
        let mut out = Vec::new();
        {
            let view = self.view();
            while let Some(e) = view.get(cursor) {
                out.push(e);
                cursor += 1;
            }
        }
        self.cursor = cursor;
        out
    }

    /// Whether an append found the log full.
    pub fn overflowed(&self) -> bool {
        self.view().overflowed()
    }
}

/// Nameless memory for a log: a memfd.
#[cfg(all(not(loom), linux_like))]
fn log_memory() -> nix::Result<std::os::fd::OwnedFd> {
    use nix::sys::memfd::{memfd_create, MFdFlags};
    memfd_create("ipc-conformance-log", MFdFlags::MFD_CLOEXEC)
}

/// Nameless memory for a log: a POSIX shared memory object unlinked as soon as it is
/// open (the name is ours and unique: pid and a counter).
#[cfg(all(not(loom), not(linux_like)))]
fn log_memory() -> nix::Result<std::os::fd::OwnedFd> {
    use nix::fcntl::OFlag;
    use nix::sys::mman::{shm_open, shm_unlink};
    use nix::sys::stat::Mode;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "/ipcc.log.{}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let memory = shm_open(
        name.as_str(),
        OFlag::O_RDWR | OFlag::O_CREAT | OFlag::O_EXCL,
        Mode::S_IRUSR | Mode::S_IWUSR,
    )?;
    shm_unlink(name.as_str())?;
    Ok(memory)
}

#[cfg(not(loom))]
#[expect(unsafe_code, reason = "unmapping the shared region")]
impl Drop for SharedLog {
    fn drop(&mut self) {
        // SAFETY: `base` and `len` are exactly what mmap returned, and no view outlives self.
        let _ = unsafe { nix::sys::mman::munmap(self.base, self.len) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn event(seq_text: &str) -> Event {
        Event {
            seq: 0,
            kind: EventKind::Start,
            actor: 1,
            step: 2,
            call: CallKind::Read,
            arg: 5,
            time_ns: 42,
            text: seq_text.to_owned(),
        }
    }

    #[test]
    fn events_come_back_in_order_and_whole() {
        let mut log = SharedLog::new(4).unwrap();
        assert!(log.append(&event("read(fd 5, 5)")));
        assert!(log.append(&event(&"x".repeat(100))));
        let got = log.take_new();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text, "read(fd 5, 5)");
        assert_eq!(got[0].arg, 5);
        assert_eq!(got[1].seq, 1);
        assert_eq!(got[1].text.len(), TEXT_LEN);
        assert!(log.take_new().is_empty());
    }

    #[test]
    fn a_full_log_says_so() {
        let log = SharedLog::new(1).unwrap();
        assert!(log.append(&event("a")));
        assert!(!log.append(&event("b")));
        assert!(log.overflowed());
    }

    #[test]
    #[expect(unsafe_code, reason = "the test forks")]
    fn a_forked_child_appends_to_the_same_log() {
        let mut log = SharedLog::new(4).unwrap();
        let e = event("from child");
        // SAFETY: the child neither allocates nor takes a lock: it stores into the shared
        // mapping and calls _exit, so the test harness's other threads cannot hurt it.
        match unsafe { nix::unistd::fork() }.unwrap() {
            nix::unistd::ForkResult::Child => {
                log.append(&e);
                crate::driver::spawn::exit_now(0);
            }
            nix::unistd::ForkResult::Parent { child } => {
                nix::sys::wait::waitpid(child, None).unwrap();
            }
        }
        assert_eq!(log.take_new()[0].text, "from child");
    }
}

/// The protocol under loom (`RUSTFLAGS="--cfg loom" cargo test --lib loom`):
/// appends from concurrent writers while a reader reads. Every event the reader sees is
/// whole, and each writer's events keep its program order in the sequence.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    fn slot() -> Slot {
        Slot {
            ready: AtomicU32::new(0),
            kind: AtomicU32::new(0),
            actor: AtomicU32::new(0),
            step: AtomicU32::new(0),
            call: AtomicU32::new(0),
            arg: AtomicU64::new(0),
            time_ns: AtomicU64::new(0),
            text: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    fn event(actor: u32, step: u32) -> Event {
        Event {
            seq: 0,
            kind: EventKind::Start,
            actor,
            step,
            call: CallKind::Read,
            arg: i64::from(actor),
            time_ns: u64::from(actor * 100 + step),
            text: format!("actor {actor} step {step}"),
        }
    }

    /// Every field agrees with the actor and step it was written for.
    fn whole(e: &Event) -> bool {
        e.arg == i64::from(e.actor)
            && e.time_ns == u64::from(e.actor * 100 + e.step)
            && e.text == format!("actor {} step {}", e.actor, e.step)
    }

    #[test]
    fn concurrent_appends_are_whole_and_keep_program_order() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let log = Arc::new((
                Header {
                    next: AtomicU32::new(0),
                    overflowed: AtomicU32::new(0),
                },
                (0..3).map(|_| slot()).collect::<Vec<_>>(),
            ));
            let writer = {
                let log = log.clone();
                loom::thread::spawn(move || {
                    let view = LogView::new(&log.0, &log.1);
                    assert!(view.append(&event(1, 0)));
                    assert!(view.append(&event(1, 1)));
                })
            };
            let view = LogView::new(&log.0, &log.1);
            assert!(view.append(&event(2, 0)));
            // Read while the other writer may be half-way through a slot.
            for i in 0..3 {
                if let Some(e) = view.get(i) {
                    assert!(whole(&e), "torn event {e:?}");
                }
            }
            writer.join().unwrap();
            let all: Vec<Event> = (0..3).map(|i| view.get(i).expect("published")).collect();
            assert!(all.iter().all(whole));
            let steps_of_1: Vec<u32> = all
                .iter()
                .filter(|e| e.actor == 1)
                .map(|e| e.step)
                .collect();
            assert_eq!(steps_of_1, [0, 1], "writer 1's events out of program order");
            assert!(!view.overflowed());
        });
    }

    #[test]
    fn a_full_log_refuses_and_says_so_without_tearing_what_it_holds() {
        loom::model(|| {
            let log = Arc::new((
                Header {
                    next: AtomicU32::new(0),
                    overflowed: AtomicU32::new(0),
                },
                (0..2).map(|_| slot()).collect::<Vec<_>>(),
            ));
            let writer = {
                let log = log.clone();
                loom::thread::spawn(move || {
                    let view = LogView::new(&log.0, &log.1);
                    [view.append(&event(1, 0)), view.append(&event(1, 1))]
                })
            };
            let view = LogView::new(&log.0, &log.1);
            let mine = view.append(&event(2, 0));
            let theirs = writer.join().unwrap();
            // Three appends into two slots: exactly one is refused, and says so.
            let taken = [mine, theirs[0], theirs[1]].iter().filter(|t| **t).count();
            assert_eq!(taken, 2);
            assert!(view.overflowed());
            // What was taken is there, whole; a refused writer's later event never
            // overtakes its earlier one.
            let held: Vec<Event> = (0..2).map(|i| view.get(i).expect("published")).collect();
            assert!(held.iter().all(whole));
            assert!(
                !theirs[1] || theirs[0],
                "writer 1's second event went in, its first did not"
            );
        });
    }
}

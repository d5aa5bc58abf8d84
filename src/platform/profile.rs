//! Platform profiles: the numbers and rules that differ by operating system, as data.
//! What is read from the running system is in `host.rs`.

use std::fmt;

use nix::sys::signal::Signal;

use super::{Feature, Size, SizeSymbol};

/// An operating system the suite knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux.
    Linux,
    /// macOS.
    Macos,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Linux => "linux",
            Platform::Macos => "macos",
        })
    }
}

/// What a platform provides and the values scenarios may name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformProfile {
    /// Which platform.
    pub platform: Platform,
    /// `PIPE_BUF`: writes of at most this many bytes are not interleaved.
    pub pipe_buf: u64,
    /// The capacity of a new pipe, where it is fixed; `None` where it grows on demand.
    pub pipe_capacity: Option<u64>,
    /// The unit a pipe's room is counted in: Linux keeps bytes in page-sized buffers, a
    /// write takes whole free buffers (after filling the last one's tail), and a buffer
    /// is free again only once read to its end; 1 where room is counted in bytes.
    pub pipe_page: u64,
    /// The longest POSIX shared memory name `shm_open` accepts, the leading `/` counted.
    pub shm_name_max: u64,
    /// The page size: a mapping's bytes past the end of its object are zeros up to the
    /// end of the object's last page, and whole pages past it raise SIGBUS. Scenarios
    /// name it `PAGE_SIZE`. The running system's is read (`sysconf(_SC_PAGESIZE)`,
    /// [`PlatformProfile::host`]); the constants below hold a nominal one, which
    /// `--platform-profile` uses when it names another OS: Linux 4096 (`PAGE_SHIFT` 12
    /// in `arch/x86/include/asm/page_types.h`, and arm64's default
    /// `CONFIG_ARM64_PAGE_SHIFT`; arm64 kernels built for 16 or 64 KiB pages exist), macOS
    /// 16384 (XNU's `vm_page_size` on Apple silicon, arm64 `PAGE_SHIFT` 14 in
    /// `osfmk/mach/arm/vm_param.h`; Intel Macs have 4096).
    pub page_size: u64,
    /// A System V segment's id stays usable after `IPC_RMID` while the segment is still
    /// attached somewhere: `shmat` and a second `IPC_RMID` succeed (Linux); elsewhere
    /// they fail with EINVAL at once, as POSIX expects of a removed id.
    pub sysv_id_outlives_rmid: bool,
    /// A POSIX shared memory object is a file in a tmpfs: `pread` and `pwrite` work on
    /// it, `ftruncate` sets its size exactly as often as asked and `fstat` reports it
    /// (Linux). Where not, the model leaves those calls on shared memory to the kernel.
    pub shm_is_file: bool,
    /// `read()`/`write()` of a file and MAP_SHARED mappings of it use the same pages, so
    /// each sees the other's changes at once, without `msync` (Linux); where not known,
    /// the model leaves file I/O on a file mapped MAP_SHARED to the kernel.
    pub unified_page_cache: bool,
    /// A Unix datagram socket that leaves its peer (by connecting to another, or by a
    /// send that finds the peer closed) throws away every datagram queued for it, and
    /// the former peer, if it lives and is connected back, gets ECONNRESET (Linux,
    /// `unix_dgram_disconnected`). Where not known, the model leaves a change of peer
    /// with datagrams queued to the kernel.
    pub unix_dgram_leaving_peer_purges: bool,
    /// The signal a store to a page mapped without PROT_WRITE raises.
    pub protection_fault: Signal,
    /// Features present.
    pub features: &'static [Feature],
    /// How listening sockets queue and hand out connections, where that is known;
    /// `None` where the model leaves `connect` and `accept` to the kernel.
    pub listen: Option<ListenRules>,
}

/// How a platform's listening sockets (Unix stream and seqpacket, TCP) behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenRules {
    /// A listener holds this many connections more than its backlog before it is full.
    pub backlog_slack: u32,
    /// The largest backlog taken as given (larger ones are cut to a tunable limit).
    pub backlog_max: u32,
    /// `accept()` gives the new socket the listener's O_NONBLOCK.
    pub accept_inherits_nonblock: bool,
}

impl PlatformProfile {
    /// Linux: PIPE_BUF 4096 (include/uapi/linux/limits.h); a new pipe holds 16 pages
    /// (PIPE_DEF_BUFFERS), 65536 bytes with 4 KiB pages; a shm name is a file name in
    /// /dev/shm, so NAME_MAX 255 characters after the `/` (measured: 256 in all works,
    /// 257 gives ENAMETOOLONG); pages of 4 KiB (x86-64 and the usual arm64 kernels); a
    /// System V id stays usable after IPC_RMID while attached (ipc/shm.c keeps the
    /// segment, marked SHM_DEST, findable by id); POSIX shared memory lives in the tmpfs
    /// /dev/shm; file I/O and mappings share the page cache; pipe2 and F_SETPIPE_SZ exist; AF_UNIX has SOCK_SEQPACKET
    /// and abstract names, and a datagram socket that leaves its peer drops its queue; send() takes MSG_NOSIGNAL, socket() takes SOCK_NONBLOCK and
    /// accept4() exists;
    /// there is no SO_NOSIGPIPE; network namespaces put processes on hosts of their own;
    /// a listener is full only when more connections than its backlog wait
    /// (`sk_acceptq_is_full`, `unix_recvq_full`: backlog + 1 fit), a backlog above
    /// `net.core.somaxconn` is cut to it (128 before Linux 5.4, so larger ones are left
    /// alone), and accept() never passes on O_NONBLOCK.
    pub const LINUX: PlatformProfile = PlatformProfile {
        platform: Platform::Linux,
        pipe_buf: 4096,
        pipe_capacity: Some(65536),
        pipe_page: 4096,
        shm_name_max: 256,
        page_size: 4096, // nominal: the host's is read (`page_size` has the sources)
        sysv_id_outlives_rmid: true,
        shm_is_file: true,
        unified_page_cache: true,
        unix_dgram_leaving_peer_purges: true,
        // arch/x86/mm/fault.c and arch/arm64/mm/fault.c: an access a VMA does not allow
        // is SIGSEGV (SEGV_ACCERR).
        protection_fault: Signal::SIGSEGV,
        features: &[
            Feature::Pipe2,
            Feature::PipeSize,
            Feature::SeqPacket,
            Feature::AbstractSockets,
            Feature::MsgNoSignal,
            Feature::SocketTypeFlags,
            Feature::NetNamespaces,
            Feature::Accept4,
        ],
        listen: Some(ListenRules {
            backlog_slack: 1,
            backlog_max: 128,
            accept_inherits_nonblock: false,
        }),
    };

    /// macOS: PIPE_BUF 512 (sys/syslimits.h); the pipe buffer starts at 512 bytes and grows
    /// on demand, so no fixed capacity; shm names of at most PSHMNAMLEN 31 characters;
    /// no pipe2 and no F_SETPIPE_SZ; AF_UNIX has stream and datagram sockets only (no
    /// SOCK_SEQPACKET in `localsw`) and no abstract names; SO_NOSIGPIPE exists, and so
    /// does MSG_NOSIGNAL in current XNU; socket() takes no SOCK_NONBLOCK and there is no
    /// accept4(); pages of 16 KiB (Apple silicon; Intel Macs, with 4 KiB pages, are not
    /// described); a removed System V id is gone at once (EINVAL); shm objects take one
    /// ftruncate, rounded to pages, and no read or write (ENXIO); whether file I/O and
    /// mappings share pages is unverified, so not claimed, nor what a Unix datagram
    /// socket that leaves its peer does with its queue; a listener's queue is scaled
    /// (3/2 of the backlog, `sonewconn`), which the model does not follow (read from XNU's
    /// sources, to be confirmed by the macOS CI job).
    pub const MACOS: PlatformProfile = PlatformProfile {
        platform: Platform::Macos,
        pipe_buf: 512,
        pipe_capacity: None,
        pipe_page: 1,
        shm_name_max: 31,
        page_size: 16384, // nominal: the host's is read (`page_size` has the sources)
        sysv_id_outlives_rmid: false,
        shm_is_file: false,
        unified_page_cache: false,
        unix_dgram_leaving_peer_purges: false,
        // bsd/uxkern/ux_exception.c, `ux_exception`: KERN_PROTECTION_FAILURE is SIGBUS.
        protection_fault: Signal::SIGBUS,
        features: &[Feature::MsgNoSignal, Feature::SoNoSigPipe],
        listen: None,
    };

    /// The profile named `linux` or `macos`: the running system's ([`Self::host`]) when
    /// it names this platform, the nominal constant when it names another.
    pub fn by_name(name: &str) -> Option<&'static PlatformProfile> {
        match name {
            _ if Self::host().platform.to_string() == name => Some(Self::host()),
            "linux" => Some(&Self::LINUX),
            "macos" => Some(&Self::MACOS),
            _ => None,
        }
    }

    /// Whether the platform has a feature.
    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// The byte count a size stands for here, or why it has none.
    pub fn resolve(&self, size: Size) -> Result<u64, String> {
        let (times, symbol, offset) = match size {
            Size::Bytes(n) => return Ok(n),
            Size::Symbol {
                times,
                symbol,
                offset,
            } => (times, symbol, offset),
        };
        let base = match symbol {
            SizeSymbol::PipeBuf => self.pipe_buf,
            SizeSymbol::PipeCapacity => self
                .pipe_capacity
                .ok_or_else(|| format!("{} has no fixed pipe capacity", self.platform))?,
            SizeSymbol::ShmNameMax => self.shm_name_max,
            SizeSymbol::PageSize => self.page_size,
        };
        base.checked_mul(u64::from(times))
            .and_then(|n| n.checked_add_signed(offset))
            .ok_or_else(|| format!("{size} is negative or too large on {}", self.platform))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_resolve_per_platform() {
        let plus_one = Size::plus(SizeSymbol::PipeBuf, 1);
        assert_eq!(PlatformProfile::LINUX.resolve(plus_one), Ok(4097));
        assert_eq!(PlatformProfile::MACOS.resolve(plus_one), Ok(513));
        assert!(PlatformProfile::MACOS
            .resolve(Size::of(SizeSymbol::PipeCapacity))
            .is_err());
    }
}

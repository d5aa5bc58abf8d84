//! Platform profiles: the numbers and rules that differ by operating system, as data.
//! What is read from the running system is in `host.rs`.

use std::fmt;

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
    /// end of the object's last page, and whole pages past it raise SIGBUS.
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
        page_size: 4096,
        sysv_id_outlives_rmid: true,
        shm_is_file: true,
        unified_page_cache: true,
        unix_dgram_leaving_peer_purges: true,
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

    /// macOS (XNU xnu-11417, macOS 15), each value beside the source file and function
    /// that decides it. Not described: Intel Macs (4 KiB pages). Where the model cannot
    /// follow XNU, the value says "not claimed" and the model leaves those calls to the
    /// kernel.
    pub const MACOS: PlatformProfile = PlatformProfile {
        platform: Platform::Macos,
        // bsd/sys/syslimits.h: PIPE_BUF is 512; pipe_write (bsd/kern/sys_pipe.c) keeps
        // writes of at most that many bytes whole.
        pipe_buf: 512,
        // bsd/kern/sys_pipe.c choose_pipespace: a new pipe's buffer is 512 bytes and
        // pipe_write grows it on demand through the sizes of pipesize_blocks, up to
        // 4 * PIPE_SIZE (64 KiB) while pipe memory lasts: no fixed capacity.
        pipe_capacity: None,
        // bsd/kern/sys_pipe.c pipe_write: room is the buffer size less the bytes queued,
        // counted in bytes.
        pipe_page: 1,
        // bsd/sys/posix_shm.h PSHMNAMLEN 31: pshm_get_name (bsd/kern/posix_shm.c)
        // copies at most 31 characters and the NUL, the leading `/` counted; a longer
        // name fails with ENAMETOOLONG from copyinstr.
        shm_name_max: 31,
        // osfmk/mach/arm/vm_param.h: PAGE_SHIFT is ARM_PGSHIFT, 14, in kernels built
        // with __ARM_16K_PG__, as Apple silicon's are: pages of 16 KiB.
        page_size: 16384,
        // bsd/kern/sysv_shm.c shm_find_segment_by_shmid: a segment marked
        // SHMSEG_REMOVED by IPC_RMID is no longer found by id, so shmat and shmctl
        // (both look the id up with it) fail with EINVAL at once.
        sysv_id_outlives_rmid: false,
        // bsd/kern/posix_shm.c: the object is no file. pshm_truncate sizes it once,
        // rounded to pages (a second ftruncate is EINVAL); pshmops has fo_no_read and
        // fo_no_write (read and write: ENXIO), and pread and pwrite fail earlier with
        // ESPIPE (valid_for_random_access in bsd/kern/sys_generic.c takes only vnodes).
        shm_is_file: false,
        // Not claimed: file I/O reaches the page cache through the file system
        // (VNOP_READ/VNOP_WRITE into APFS, whose source is closed), so whether it uses
        // the pages a mapping uses (the vnode's UBC object) is not in the source.
        unified_page_cache: false,
        // bsd/kern/uipc_usrreq.c unp_disconnect: a datagram socket that connects
        // elsewhere only leaves its peer's referrers; its queue stays and nobody gets an
        // error (only unp_detach, a close, resets a referrer with ECONNRESET). The model
        // knows only Linux's purge, so it leaves the change of peer to the kernel.
        unix_dgram_leaving_peer_purges: false,
        // bsd/sys/socket.h MSG_NOSIGNAL (sendit and sendit_x in
        // bsd/kern/uipc_syscalls.c skip SIGPIPE with it) and SO_NOSIGPIPE (SOF_NOSIGPIPE).
        // No pipe2 and no accept4 (bsd/kern/syscalls.master), no F_SETPIPE_SZ
        // (bsd/sys/fcntl.h), no SOCK_NONBLOCK (bsd/sys/socket.h), no SOCK_SEQPACKET for
        // AF_UNIX (localsw in bsd/kern/uipc_proto.c: stream and datagram only), no
        // abstract names (unp_bind in bsd/kern/uipc_usrreq.c looks the path up with
        // namei), no network namespaces.
        features: &[Feature::MsgNoSignal, Feature::SoNoSigPipe],
        // Not claimed, since ListenRules cannot say it: a listener is full once its
        // queue holds exactly the backlog (sonewconn_internal in
        // bsd/kern/uipc_socket2.c, kern.ipc.soqlimitcompat 1 by default; the 3/2 scaling
        // is only for soqlimitcompat 0), and then a Unix connect is refused with
        // ECONNREFUSED, never waits (unp_connect in bsd/kern/uipc_usrreq.c); a backlog
        // of 0 or less, or above somaxconn, means somaxconn, 128 (solisten in
        // bsd/kern/uipc_socket.c, SOMAXCONN in bsd/sys/socket.h); accept() gives the new
        // socket the listener's O_NONBLOCK (accept_nocancel in
        // bsd/kern/uipc_syscalls.c copies the listener's file flags). The model has no
        // refusal on a full queue and no backlog 0, so it leaves connect and accept to
        // the kernel.
        listen: None,
    };

    /// The profile named `linux` or `macos`.
    pub fn by_name(name: &str) -> Option<&'static PlatformProfile> {
        match name {
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
        let (base, offset) = match size {
            Size::Bytes(n) => return Ok(n),
            Size::Symbol(SizeSymbol::PipeBuf, d) => (self.pipe_buf, d),
            Size::Symbol(SizeSymbol::PipeCapacity, d) => (
                self.pipe_capacity
                    .ok_or_else(|| format!("{} has no fixed pipe capacity", self.platform))?,
                d,
            ),
            Size::Symbol(SizeSymbol::ShmNameMax, d) => (self.shm_name_max, d),
        };
        base.checked_add_signed(offset)
            .ok_or_else(|| format!("{size} is negative on {}", self.platform))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_resolve_per_platform() {
        let plus_one = Size::Symbol(SizeSymbol::PipeBuf, 1);
        assert_eq!(PlatformProfile::LINUX.resolve(plus_one), Ok(4097));
        assert_eq!(PlatformProfile::MACOS.resolve(plus_one), Ok(513));
        assert!(PlatformProfile::MACOS
            .resolve(Size::Symbol(SizeSymbol::PipeCapacity, 0))
            .is_err());
    }
}

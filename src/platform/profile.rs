//! Platform profiles: the numbers and rules that differ by operating system, as data.
//! What is read from the running system is in `host.rs`.

use std::fmt;

use nix::sys::signal::Signal;

use super::{Feature, Size, SizeSymbol, SocketBuffers};

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
    /// The longest POSIX semaphore name `sem_open` accepts, the leading `/` counted.
    pub sem_name_max: u64,
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
    /// `unix_dgram_disconnected`). Where false, the queue stays and nobody is told (XNU:
    /// bsd/kern/uipc_usrreq.c `unp_disconnect` only unlinks a datagram socket from its
    /// peer's `unp_refs`, and a peer's close disconnects it without touching its queue).
    pub unix_dgram_leaving_peer_purges: bool,
    /// The signal a touch of a mapping that lacks the right raises (a load through
    /// PROT_NONE, a store through a read-only mapping); POSIX's `mmap()` names SIGSEGV.
    pub protection_fault: Signal,
    /// `mmap` of a POSIX shared memory object fails with EINVAL unless it is MAP_SHARED
    /// and within the object's size rounded to pages (an object never sized maps
    /// nothing); where false, any mapping is made and its pages past the end raise
    /// SIGBUS when touched.
    pub shm_mmap_within_size: bool,
    /// What datagram sockets (Unix and UDP) do where the two kernels part.
    pub datagram: DatagramRules,
    /// What Unix stream sockets (socketpairs, and connections by address) do where the
    /// two kernels part.
    pub unix_stream: UnixStreamRules,
    /// A packet sent over loopback (a UDP datagram, a TCP segment, the ICMP error a
    /// datagram to a closed port draws) has been received by the time the call that sent
    /// it returns (Linux: `loopback_xmit` → `__netif_rx`, and the softirq runs as the
    /// sender leaves `__dev_queue_xmit`; `icmpv4_xrlim_allow` does not limit loopback).
    /// Where false, arrival is the kernel's threads' business: the model leaves TCP, and
    /// what a UDP receive or poll finds without waiting, to the kernel.
    pub loopback_at_once: bool,
    /// The buffers of the sockets under test, read back from one the implementation
    /// made for the run (`getsockopt` of SO_SNDBUF and SO_RCVBUF); `None` where none was
    /// read: the models then keep to bounds below every platform's defaults.
    pub socket_buffers: Option<SocketBuffers>,
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
    /// The largest backlog taken as given (larger ones are cut to a tunable limit,
    /// which the running system's profile reads where it can: [`PlatformProfile::host`]).
    pub backlog_max: u32,
    /// `accept()` gives the new socket the listener's O_NONBLOCK.
    pub accept_inherits_nonblock: bool,
}

/// What datagram sockets, Unix (`AF_UNIX`, `SOCK_DGRAM`) and UDP, do where Linux and
/// XNU part. Each field says what `true` means; the sources are beside the values in
/// [`PlatformProfile::LINUX`] and [`PlatformProfile::MACOS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatagramRules {
    /// A Unix datagram socket connected to a peer takes datagrams from that peer only:
    /// a send from another socket, and a `connect` to it from another, fail with EPERM.
    /// Where false, anyone may send to it and connect to it.
    pub unix_peer_filters_senders: bool,
    /// A Unix datagram send reports a pending socket error before it looks for where the
    /// datagram goes; where false, only once it has an address or a peer.
    pub unix_send_error_first: bool,
    /// `sendto` with an address on a connected socket (Unix or UDP) fails with EISCONN;
    /// where false, the datagram goes to the address given.
    pub sendto_connected_eisconn: bool,
    /// A Unix datagram socket that closes leaves ECONNRESET pending on every socket
    /// connected to it and disconnects them at once. Where false, such a socket learns it
    /// at its next send, which fails with ECONNREFUSED and leaves it unconnected.
    pub unix_close_resets_peers: bool,
    /// `send` without an address on an unconnected Unix datagram socket fails with
    /// ENOTCONN; where false, with EDESTADDRREQ (as UDP does on both).
    pub unix_unconnected_send_enotconn: bool,
    /// A receive reports the sender's address as the sender is bound when the datagram is
    /// received; where false, as it was bound when the datagram was sent.
    pub unix_sender_named_at_receive: bool,
    /// A pending socket error (SO_ERROR) is reported by a receive before any datagram
    /// queued, and taken even by MSG_PEEK. Where false, a receive takes the queued
    /// datagrams first, reports the error only on an empty queue, and MSG_PEEK leaves it.
    pub error_before_data: bool,
    /// A pending socket error makes `poll` report POLLIN.
    pub error_polls_in: bool,
    /// `connect` on a connected datagram socket first disconnects it, so a `connect` that
    /// fails leaves it unconnected; where false, a failed `connect` keeps the old peer.
    pub connect_disconnects_first: bool,
    /// A receive into 0 bytes waits for a datagram like any other; where false, it
    /// returns at once on an empty queue, which the model leaves to the kernel.
    pub empty_recv_waits: bool,
    /// Where set, the bytes a Unix datagram socket's queue is known to hold, counting
    /// each datagram's sender address (at most 255 bytes, SOCK_MAXADDRLEN): the model
    /// leaves a send past it to the kernel. `None` where the queue is counted in
    /// datagrams and the model's own bounds are below the kernel's.
    pub unix_room: Option<u64>,
}

/// What Unix stream sockets do where Linux and XNU part. Each field says what `true`
/// means; the sources are beside the values in [`PlatformProfile::LINUX`] and
/// [`PlatformProfile::MACOS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnixStreamRules {
    /// An end closed with bytes it had not received leaves ECONNRESET for its peer's next
    /// receive; where false, the peer reads what it has, then end of file.
    pub close_unread_resets: bool,
    /// `shutdown(SHUT_RD)` reaches the peer: it may no longer send (EPIPE), and the bytes
    /// queued stay readable. Where false, the model leaves SHUT_RD to the kernel.
    pub shut_rd_reaches_peer: bool,
    /// `shutdown()` fails with ENOTCONN once the peer is gone or the side asked for is
    /// shut down already; where false, it succeeds.
    pub shutdown_again_enotconn: bool,
    /// A receive into 0 bytes waits for a byte like any other; where false, it returns
    /// at once, which the model leaves to the kernel.
    pub empty_recv_waits: bool,
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
        // glibc sem_open (nptl/sem_open.c, posix/shm-directory.c __shm_get_name) opens
        // /dev/shm/sem.NAME: the 251 characters after the `/` that leave "sem." room in
        // a file name of NAME_MAX (255); longer ones fail with ENAMETOOLONG from the
        // kernel's open, and once they overflow glibc's buffer with EINVAL.
        sem_name_max: 252,
        page_size: 4096, // nominal: the host's is read (`page_size` has the sources)
        sysv_id_outlives_rmid: true,
        shm_is_file: true,
        unified_page_cache: true,
        unix_dgram_leaving_peer_purges: true,
        // arch/x86/mm/fault.c and arch/arm64/mm/fault.c: an access a VMA does not allow
        // is SIGSEGV (SEGV_ACCERR).
        protection_fault: Signal::SIGSEGV,
        loopback_at_once: true,
        socket_buffers: None,
        // mm/shmem.c `shmem_mmap` takes any length and MAP_PRIVATE; `shmem_fault` gives
        // SIGBUS past the size.
        shm_mmap_within_size: false,
        unix_stream: UnixStreamRules {
            // net/unix/af_unix.c `unix_release_sock`: ECONNRESET for the peer when the
            // closing end's receive queue is not empty.
            close_unread_resets: true,
            // `unix_shutdown` sets the mirrored bits on the peer.
            shut_rd_reaches_peer: true,
            // `unix_shutdown` never looks at the state it finds.
            shutdown_again_enotconn: false,
            // `unix_stream_read_generic` waits for data whatever the length asked.
            empty_recv_waits: true,
        },
        datagram: DatagramRules {
            // net/unix/af_unix.c `unix_may_send`, asked by `unix_dgram_sendmsg` and
            // `unix_dgram_connect`.
            unix_peer_filters_senders: true,
            // `unix_dgram_sendmsg` gives ENOTCONN for no peer first, and meets `sk_err`
            // only in `sock_alloc_send_pskb`.
            unix_send_error_first: false,
            // `unix_dgram_sendmsg` and net/ipv4/udp.c `udp_sendmsg` take the address given.
            sendto_connected_eisconn: false,
            // `unix_release_sock` drops only its own peer; the sockets connected to it
            // find it dead in `unix_dgram_sendmsg` (ECONNREFUSED, then unconnected).
            unix_close_resets_peers: false,
            // `unix_dgram_sendmsg`: no address and no peer is ENOTCONN.
            unix_unconnected_send_enotconn: true,
            // `unix_dgram_recvmsg` copies the address of the sending socket
            // (`unix_copy_addr` on the buffer's owner) when it receives.
            unix_sender_named_at_receive: true,
            // net/core/datagram.c `__skb_try_recv_datagram` takes `sock_error` first.
            error_before_data: true,
            // `datagram_poll` and `unix_dgram_poll` give POLLERR for it, POLLIN only for data.
            error_polls_in: false,
            // `unix_dgram_connect` finds the new peer before it leaves the old one;
            // `ip4_datagram_connect` cannot fail on loopback.
            connect_disconnects_first: false,
            // `__skb_recv_datagram` waits for a datagram whatever the length asked.
            empty_recv_waits: true,
            // Counted in datagrams (`net.unix.max_dgram_qlen`, 10, above the model's
            // bounds) and against the sender's send buffer, which the run reads back
            // (the models' `Room`).
            unix_room: None,
        },
        features: &[
            Feature::Pipe2,
            Feature::PipeSize,
            Feature::SeqPacket,
            Feature::AbstractSockets,
            Feature::MsgNoSignal,
            Feature::SocketTypeFlags,
            Feature::NetNamespaces,
            Feature::Accept4,
            // A new pipe's 16 pages (alloc_pipe_info in fs/pipe.c), unless the run's
            // object has another capacity (`with_pipe_capacity`).
            Feature::DefaultPipeCapacity,
            // `sock_init_data` in net/core/sock.c gives a new socket `wmem_default` and
            // `rmem_default` (TCP `tcp_wmem[1]` and `tcp_rmem[1]`), unless the run's
            // sockets read back others (`with_socket_buffers`).
            Feature::DefaultSocketBuffers,
            // `unix_sysctl_init` in net/unix/sysctl_net_unix.c: max_dgram_qlen 10,
            // unless the running system's differs (`PlatformProfile::host`).
            Feature::DefaultDgramQlen,
            // ipc/sem.c: the semtimedop system call (`ksys_semtimedop`).
            Feature::Semtimedop,
            // glibc nptl/sem_timedwait.c and nptl/sem_getvalue.c.
            Feature::SemTimedwait,
            Feature::SemGetvalue,
            // glibc nptl/sem_init.c: a process-shared semaphore is a futex word in shared
            // memory.
            Feature::SemInit,
            // glibc nptl/pthread_mutex_lock.c (the robust path: the kernel marks the
            // futex FUTEX_OWNER_DIED from the dead owner's robust list, kernel/futex,
            // `handle_futex_death`) and nptl/pthread_mutex_consistent.c.
            Feature::RobustMutex,
            // glibc nptl/pthread_cond_wait.c keeps no mutex address in the condition
            // variable: waiters sleep on its own words, wherever each maps them.
            Feature::CondAnyAddress,
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
        // bsd/kern/posix_sem.c sem_open: copyinstr counts the NUL in the length it
        // returns, and a length above PSEMNAMLEN (31, bsd/sys/posix_sem.h) fails with
        // ENAMETOOLONG: 30 characters, the leading `/` counted.
        sem_name_max: 30,
        // osfmk/mach/arm/vm_param.h: PAGE_SHIFT is ARM_PGSHIFT, 14, in kernels built
        // with __ARM_16K_PG__, as Apple silicon's are: pages of 16 KiB.
        page_size: 16384, // nominal: the host's is read (`page_size` has the sources)
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
        // error (only unp_detach, a close, resets a referrer with ECONNRESET), as the
        // datagram model follows.
        unix_dgram_leaving_peer_purges: false,
        // bsd/uxkern/ux_exception.c `ux_exception`: EXC_BAD_ACCESS is SIGSEGV only for
        // KERN_INVALID_ADDRESS; a protection failure is SIGBUS.
        protection_fault: Signal::SIGBUS,
        // bsd/net/dlil.c `ifnet_attach`: loopback gets no input thread of its own, so
        // `dlil_input_handler` queues what lo0 (bsd/net/if_loop.c `lo_output` →
        // `ifnet_input_extended`) sends to the main input thread (`dlil_input_async`),
        // which runs when it is scheduled; and bsd/netinet/ip_icmp.c `icmp_error` marks
        // its errors for suppression (`comp_gencnt`), so a run of them may be cut.
        loopback_at_once: false,
        socket_buffers: None,
        // bsd/kern/posix_shm.c `pshm_mmap`: EINVAL without MAP_SHARED, without
        // PSHM_ALLOCATED (no ftruncate yet), or past the rounded `pshm_length`.
        shm_mmap_within_size: true,
        unix_stream: UnixStreamRules {
            // bsd/kern/uipc_usrreq.c `unp_disconnect` (SOCK_STREAM): both ends can no
            // longer send or receive, and no `so_error` is set.
            close_unread_resets: false,
            // bsd/kern/uipc_socket.c `soshutdownlock_final`: SHUT_RD only `sorflush`es
            // this end; `uipc_shutdown` (SHUT_WR) is all the peer hears.
            shut_rd_reaches_peer: false,
            // `soshutdown`: ENOTCONN when not connected; `soshutdownlock_final`: ENOTCONN
            // for a side shut down already.
            shutdown_again_enotconn: true,
            // `soreceive` goes to `release` when `uio_resid` is 0 and nothing is queued.
            empty_recv_waits: false,
        },
        datagram: DatagramRules {
            // bsd/kern/uipc_usrreq.c `uipc_send` appends to the target's buffer whatever
            // its own peer, and `unp_connect` links to it without looking.
            unix_peer_filters_senders: false,
            // bsd/kern/uipc_socket.c `sosendcheck` returns `so_error` before it looks at
            // the connection or the address.
            unix_send_error_first: true,
            // `uipc_send` (SOCK_DGRAM with an address and `unp_conn` set) and
            // bsd/netinet/udp_usrreq.c `udp_output` (a foreign address set) give EISCONN.
            sendto_connected_eisconn: true,
            // `unp_detach` calls `unp_drop(ECONNRESET)` on every socket in its
            // `unp_refs`: `so_error` set, `unp_disconnect`ed.
            unix_close_resets_peers: true,
            // bsd/kern/uipc_socket.c `sosendcheck`: not connected, no address, and no
            // PR_CONNREQUIRED is EDESTADDRREQ, before `uipc_send` is reached.
            unix_unconnected_send_enotconn: false,
            // `uipc_send` hands `sbappendaddr` the sender's `unp_addr` (or `sun_noname`)
            // as it is then, and the queue keeps that copy.
            unix_sender_named_at_receive: false,
            // `soreceive`: with a record queued it goes to `dontblock`; `so_error` is
            // returned only on an empty queue, and kept under MSG_PEEK.
            error_before_data: false,
            // `filt_soread_common` fires on `so_error`; `poll_callback` makes it POLLIN.
            error_polls_in: true,
            // `soconnectlock` calls `sodisconnectlocked` before `pru_connect`.
            connect_disconnects_first: true,
            // `soreceive` goes to `release` when `uio_resid` is 0 and nothing is queued.
            empty_recv_waits: false,
            // `unpdg_recvspace` 4096 with every sender address counted (`sbappendaddr`),
            // `unpdg_sendspace` 2048 the largest datagram (`sosendcheck` EMSGSIZE), and a
            // connected sender writable only while its peer has room for 2048 bytes
            // (`filt_sowrite_common`): the model stays within 2048.
            unix_room: Some(2048),
        },
        // bsd/sys/socket.h MSG_NOSIGNAL (sendit and sendit_x in
        // bsd/kern/uipc_syscalls.c skip SIGPIPE with it) and SO_NOSIGPIPE (SOF_NOSIGPIPE).
        // No pipe2 and no accept4 (bsd/kern/syscalls.master), no F_SETPIPE_SZ
        // (bsd/sys/fcntl.h), no SOCK_NONBLOCK (bsd/sys/socket.h), no SOCK_SEQPACKET for
        // AF_UNIX (localsw in bsd/kern/uipc_proto.c: stream and datagram only), no
        // abstract names (unp_bind in bsd/kern/uipc_usrreq.c looks the path up with
        // namei), no network namespaces.
        // A new socket's buffers are its protocol's `*_sendspace` and `*_recvspace`
        // (`soreserve` from each protocol's attach), unless the run's sockets read back
        // others (`with_socket_buffers`).
        features: &[
            Feature::MsgNoSignal,
            Feature::SoNoSigPipe,
            Feature::DefaultSocketBuffers,
            // No count of datagrams to tune: `uipc_send` is limited by bytes alone.
            Feature::DefaultDgramQlen,
            // No Semtimedop: bsd/kern/sysv_sem.c has semop() alone. No SemTimedwait and
            // no SemGetvalue: a named semaphore is a kernel object (bsd/kern/posix_sem.c)
            // and bsd/kern/syscalls.master has sem_open, sem_close, sem_unlink, sem_wait,
            // sem_trywait and sem_post only (sem_init and sem_destroy are enosys: no
            // SemInit).
            // No RobustMutex: libpthread has no pthread_mutexattr_setrobust or
            // pthread_mutex_consistent (include/pthread/pthread.h, src/pthread_mutex.c).
            // No CondAnyAddress: _pthread_cond_wait (libpthread src/pthread_cond.c)
            // fails a wait with EINVAL when the condition variable's waiters hold a
            // mutex at another address (cond->busy), process-shared or not.
        ],
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
            SizeSymbol::SemNameMax => self.sem_name_max,
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

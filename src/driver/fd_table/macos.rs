//! macOS: `proc_pidinfo(PROC_PIDLISTFDS)` lists a process's descriptors with their
//! types; `proc_pidfdinfo` then describes each kind's object: a vnode's path and
//! `stat` (FIFOs and files: device and inode), a pipe end's and a socket's kernel handle,
//! a POSIX shared memory object's name. The handles are the kernel's (hashed) addresses
//! of the objects, the same in every process that holds them.
//!
//! Written against XNU's `bsd/sys/proc_info.h` (the structures the libc crate does not
//! export are declared here); it compiles here but can only run on a Mac.

use std::ffi::CStr;
use std::hash::{Hash, Hasher};
use std::mem::{size_of, MaybeUninit};

use super::{Descriptor, ObjectId, ObjectKind};

pub(super) const SOURCE: &str = "proc_pidinfo(PROC_PIDLISTFDS)";

/// `proc_pidfdinfo` flavors, from `sys/proc_info.h`.
const PROC_PIDFDVNODEPATHINFO: libc::c_int = 2;
const PROC_PIDFDSOCKETINFO: libc::c_int = 3;
const PROC_PIDFDPSHMINFO: libc::c_int = 5;
const PROC_PIDFDPIPEINFO: libc::c_int = 6;

/// `struct proc_fileinfo`, which every flavor's answer starts with: 24 bytes, not read
/// here.
type ProcFileInfo = [u64; 3];

/// `struct vnode_fdinfowithpath`.
#[repr(C)]
#[derive(Clone, Copy)]
struct VnodeFdInfoWithPath {
    _pfi: ProcFileInfo,
    pvip: libc::vnode_info_path,
}

/// `struct pipe_fdinfo` (with its `struct pipe_info`).
#[repr(C)]
#[derive(Clone, Copy)]
struct PipeFdInfo {
    _pfi: ProcFileInfo,
    _pipe_stat: libc::vinfo_stat,
    pipe_handle: u64,
    _pipe_peerhandle: u64,
    _pipe_status: libc::c_int,
    _rfu_1: libc::c_int,
}

/// `struct pshm_fdinfo` (with its `struct pshm_info`).
#[repr(C)]
#[derive(Clone, Copy)]
struct PshmFdInfo {
    _pfi: ProcFileInfo,
    _pshm_stat: libc::vinfo_stat,
    _pshm_mappaddr: u64,
    pshm_name: [libc::c_char; libc::PATH_MAX as usize],
}

/// The start of `struct socket_fdinfo` up to the socket's handle (`soi_so`), with room
/// for the rest of it (its protocol union makes it 792 bytes): the kernel refuses a
/// buffer smaller than the whole.
#[repr(C)]
#[derive(Clone, Copy)]
struct SocketFdInfo {
    _pfi: ProcFileInfo,
    _soi_stat: libc::vinfo_stat,
    soi_so: u64,
    _rest: [u64; 160],
}

/// The bytes of [`SocketFdInfo`] the kernel must fill for `soi_so` to be read.
const SOCKET_HEAD: usize = size_of::<SocketFdInfo>() - size_of::<[u64; 160]>();

pub(super) fn read(pid: i32) -> Result<Vec<Descriptor>, String> {
    Ok(list(pid)?
        .into_iter()
        .map(|entry| describe(pid, entry.proc_fd, entry.proc_fdtype as libc::c_int))
        .collect())
}

/// `proc_pidinfo(PROC_PIDLISTFDS)`: every descriptor's number and type.
#[expect(
    unsafe_code,
    reason = "proc_pidinfo is the only interface to another process's descriptors"
)]
fn list(pid: i32) -> Result<Vec<libc::proc_fdinfo>, String> {
    let failed = || {
        format!(
            "proc_pidinfo(PROC_PIDLISTFDS) failed: {}",
            std::io::Error::last_os_error()
        )
    };
    // SAFETY: with a null buffer of size 0 the call only answers the size it needs.
    let needed =
        unsafe { libc::proc_pidinfo(pid, libc::PROC_PIDLISTFDS, 0, std::ptr::null_mut(), 0) };
    if needed <= 0 {
        return Err(failed());
    }
    let entry = size_of::<libc::proc_fdinfo>();
    // Room for a few more than were open a moment ago.
    let capacity = needed as usize / entry + 8;
    let mut entries: Vec<libc::proc_fdinfo> = Vec::with_capacity(capacity);
    // SAFETY: the buffer holds `capacity` entries and its size in bytes is passed; the
    // call writes at most that many bytes of plain data.
    let got = unsafe {
        libc::proc_pidinfo(
            pid,
            libc::PROC_PIDLISTFDS,
            0,
            entries.as_mut_ptr().cast(),
            (capacity * entry) as libc::c_int,
        )
    };
    if got <= 0 {
        return Err(failed());
    }
    // SAFETY: the call filled `got` bytes, whole entries of plain data.
    unsafe { entries.set_len(got as usize / entry) };
    Ok(entries)
}

/// One descriptor, described as its type allows. A descriptor closed since the listing
/// or one the kernel will not describe is kept as "other" (never counted as a leak).
fn describe(pid: i32, fd: i32, fdtype: libc::c_int) -> Descriptor {
    let described = match fdtype {
        libc::PROX_FDTYPE_VNODE => fd_info::<VnodeFdInfoWithPath>(
            pid,
            fd,
            PROC_PIDFDVNODEPATHINFO,
            size_of::<VnodeFdInfoWithPath>(),
        )
        .map(|info| vnode(&info)),
        libc::PROX_FDTYPE_PIPE => {
            fd_info::<PipeFdInfo>(pid, fd, PROC_PIDFDPIPEINFO, size_of::<PipeFdInfo>()).map(
                |info| {
                    (
                        ObjectKind::Pipe,
                        ObjectId(u64::from(libc::PROX_FDTYPE_PIPE as u32), info.pipe_handle),
                        format!("pipe:[{:#x}]", info.pipe_handle),
                    )
                },
            )
        }
        libc::PROX_FDTYPE_SOCKET => {
            fd_info::<SocketFdInfo>(pid, fd, PROC_PIDFDSOCKETINFO, SOCKET_HEAD).map(|info| {
                (
                    ObjectKind::Socket,
                    ObjectId(u64::from(libc::PROX_FDTYPE_SOCKET as u32), info.soi_so),
                    format!("socket:[{:#x}]", info.soi_so),
                )
            })
        }
        libc::PROX_FDTYPE_PSHM => {
            fd_info::<PshmFdInfo>(pid, fd, PROC_PIDFDPSHMINFO, size_of::<PshmFdInfo>()).map(
                |info| {
                    let name = c_text(&info.pshm_name);
                    (
                        ObjectKind::SharedMemory,
                        ObjectId(u64::from(libc::PROX_FDTYPE_PSHM as u32), hash(&name)),
                        format!("shm:{name}"),
                    )
                },
            )
        }
        libc::PROX_FDTYPE_KQUEUE => Some((
            ObjectKind::EventLoop,
            ObjectId(u64::from(libc::PROX_FDTYPE_KQUEUE as u32), fd as u64),
            "kqueue".to_owned(),
        )),
        _ => None,
    };
    let (kind, id, target) = described.unwrap_or_else(|| {
        (
            ObjectKind::Other,
            ObjectId(u64::from(fdtype as u32), u64::MAX),
            format!("descriptor type {fdtype}"),
        )
    });
    Descriptor {
        fd,
        kind,
        id,
        target,
    }
}

/// A vnode's kind (FIFO, file, or other), identity and path.
fn vnode(info: &VnodeFdInfoWithPath) -> (ObjectKind, ObjectId, String) {
    let stat = &info.pvip.vip_vi.vi_stat;
    let kind = match libc::mode_t::from(stat.vst_mode) & libc::S_IFMT {
        libc::S_IFIFO => ObjectKind::Fifo,
        libc::S_IFREG => ObjectKind::File,
        libc::S_IFSOCK => ObjectKind::Socket,
        _ => ObjectKind::Other,
    };
    let path: Vec<libc::c_char> = info.pvip.vip_path.iter().flatten().copied().collect();
    (
        kind,
        ObjectId(u64::from(stat.vst_dev), stat.vst_ino),
        c_text(&path),
    )
}

/// `proc_pidfdinfo(pid, fd, flavor)` into a `T`, when the kernel filled at least
/// `needed` bytes of it.
#[expect(
    unsafe_code,
    reason = "proc_pidfdinfo is the only interface to another process's descriptors"
)]
fn fd_info<T: Copy>(pid: i32, fd: i32, flavor: libc::c_int, needed: usize) -> Option<T> {
    let mut info = MaybeUninit::<T>::zeroed();
    let size = size_of::<T>() as libc::c_int;
    // SAFETY: the buffer is a zeroed `T` of plain data (integers and arrays) and its
    // exact size is passed; the call writes at most that many bytes.
    let got = unsafe { libc::proc_pidfdinfo(pid, fd, flavor, info.as_mut_ptr().cast(), size) };
    // SAFETY: all-zero is a valid `T`, and the kernel wrote plain data over it.
    (got > 0 && got as usize >= needed).then(|| unsafe { info.assume_init() })
}

/// A NUL-terminated C string in a fixed array, as text.
fn c_text(chars: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An identity for an object known by its name only.
fn hash(name: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut hasher);
    hasher.finish()
}

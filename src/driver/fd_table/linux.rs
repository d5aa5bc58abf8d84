//! Linux: `/proc/PID/fd`, one magic link per descriptor. Its target names the object
//! (`pipe:[1234]`, `socket:[5678]`, `anon_inode:[eventfd]`, a path, `/memfd:name
//! (deleted)`), and `stat()` through the link gives the object's type and its device and
//! inode numbers, the same in every process that holds it.

use std::fs;
use std::os::unix::fs::MetadataExt;

use super::{Descriptor, ObjectId, ObjectKind, EVENT_LOOP_LINKS};

pub(super) const SOURCE: &str = "/proc/PID/fd";

pub(super) fn read(pid: i32) -> Result<Vec<Descriptor>, String> {
    let dir = format!("/proc/{pid}/fd");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot read {dir}: {e}"))?;
    let mut table = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {dir}: {e}"))?;
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // A descriptor closed since the listing (the directory's own, when a process
        // reads its own table) has no link left to follow.
        let path = entry.path();
        let (Ok(target), Ok(meta)) = (fs::read_link(&path), fs::metadata(&path)) else {
            continue;
        };
        let target = target.display().to_string();
        table.push(Descriptor {
            fd,
            kind: kind(&target, meta.mode()),
            id: ObjectId(meta.dev(), meta.ino()),
            target,
        });
    }
    Ok(table)
}

/// The kind of the object behind a link, from its file type and, where one type has
/// several kinds, its name.
fn kind(target: &str, mode: u32) -> ObjectKind {
    match mode & libc::S_IFMT {
        libc::S_IFIFO if target.starts_with("pipe:") => ObjectKind::Pipe,
        libc::S_IFIFO => ObjectKind::Fifo,
        libc::S_IFSOCK => ObjectKind::Socket,
        libc::S_IFREG if target.starts_with("/dev/shm/") || target.starts_with("/memfd:") => {
            ObjectKind::SharedMemory
        }
        libc::S_IFREG => ObjectKind::File,
        _ if EVENT_LOOP_LINKS.iter().any(|name| target.ends_with(name)) => ObjectKind::EventLoop,
        _ => ObjectKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_type_and_the_name() {
        assert_eq!(kind("pipe:[12]", libc::S_IFIFO | 0o600), ObjectKind::Pipe);
        assert_eq!(kind("/tmp/d/fifo", libc::S_IFIFO | 0o600), ObjectKind::Fifo);
        assert_eq!(
            kind("socket:[3]", libc::S_IFSOCK | 0o777),
            ObjectKind::Socket
        );
        assert_eq!(
            kind("/dev/shm/ipcc-1", libc::S_IFREG | 0o600),
            ObjectKind::SharedMemory
        );
        assert_eq!(
            kind("/memfd:log (deleted)", libc::S_IFREG | 0o600),
            ObjectKind::SharedMemory
        );
        assert_eq!(kind("/tmp/d/file", libc::S_IFREG | 0o600), ObjectKind::File);
        assert_eq!(kind("/dev/null", libc::S_IFCHR | 0o666), ObjectKind::Other);
        assert_eq!(kind("anon_inode:[eventfd]", 0o600), ObjectKind::EventLoop);
        assert_eq!(kind("anon_inode:inotify", 0o600), ObjectKind::Other);
    }
}

//! Unit tests of the region model: each case replays loads, stores and calls on a
//! region and checks the outcomes Linux (or, where they differ, macOS) gives.

use nix::sys::signal::Signal;
use rstest::rstest;

use super::RegionModel;
use crate::model::outcome::ModelOutcome;
use crate::platform::PlatformProfile;
use crate::scenario::{
    AccessMode, Action, End, Errno, Mechanism, OpenFlag, Payload, Process, ProcessName, Prot,
    RegionSpec, Relation, Sharing, SigPipe, SignalName, Size,
};

const LINUX: &PlatformProfile = &PlatformProfile::LINUX;
const MACOS: &PlatformProfile = &PlatformProfile::MACOS;

/// A model of `mechanism` with one process per relation, its region `len` bytes.
fn model(mechanism: Mechanism, relations: &[Relation], len: u64, sharing: Sharing) -> RegionModel {
    let processes: Vec<Process> = relations
        .iter()
        .enumerate()
        .map(|(i, relation)| Process {
            name: ProcessName(format!("p{i}")),
            relation: *relation,
            keeps: Vec::new(),
            host: None,
            keeps_pair: Vec::new(),
            sigpipe: SigPipe::Default,
            handles: Vec::new(),
            stdin: crate::scenario::Stdin::DevNull,
        })
        .collect();
    let len = Size::Bytes(len);
    let spec = RegionSpec {
        len,
        sharing,
        ..RegionSpec::default()
    };
    RegionModel::for_processes(mechanism, &processes, spec, &PlatformProfile::LINUX)
        .expect("a region the model covers")
}

fn apply(m: &mut RegionModel, p: usize, action: Action, profile: &PlatformProfile) -> ModelOutcome {
    m.apply(p, &action, profile).expect("modelled")
}

fn store(at: u64, text: &str) -> Action {
    Action::Store {
        at: Size::Bytes(at),
        data: Payload::Text(text.to_owned()),
    }
}

fn load(at: u64, len: u64) -> Action {
    Action::Load {
        at: Size::Bytes(at),
        len: Size::Bytes(len),
    }
}

fn bytes(text: &[u8]) -> ModelOutcome {
    ModelOutcome::Bytes(text.to_vec())
}

fn killed(signal: Signal) -> ModelOutcome {
    ModelOutcome::Killed(SignalName(signal))
}

fn open(flags: &[OpenFlag]) -> Action {
    Action::Open {
        mode: AccessMode::ReadWrite,
        flags: flags.to_vec(),
    }
}

fn ftruncate(len: u64) -> Action {
    Action::Ftruncate {
        end: End::Object,
        len: Size::Bytes(len),
    }
}

#[rstest]
#[case::shared(Sharing::Shared, b"seen")]
#[case::private(Sharing::Private, b"\0\0\0\0")]
fn a_store_reaches_a_sibling_only_through_a_shared_mapping(
    #[case] sharing: Sharing,
    #[case] sibling_sees: &[u8],
) {
    let mut m = model(
        Mechanism::AnonShared,
        &[Relation::Related; 2],
        4096,
        sharing,
    );
    assert_eq!(
        apply(&mut m, 0, store(0, "seen"), LINUX),
        ModelOutcome::Done
    );
    assert_eq!(apply(&mut m, 0, load(0, 4), LINUX), bytes(b"seen"));
    assert_eq!(apply(&mut m, 1, load(0, 4), LINUX), bytes(sibling_sees));
}

#[test]
fn an_unrelated_process_maps_memory_of_its_own() {
    let mut m = model(
        Mechanism::AnonShared,
        &[Relation::Related, Relation::Unrelated],
        4096,
        Sharing::Shared,
    );
    assert!(!m.mapped(1));
    apply(&mut m, 0, store(0, "ours"), LINUX);
    assert_eq!(apply(&mut m, 1, Action::Mmap, LINUX), ModelOutcome::Done);
    assert_eq!(apply(&mut m, 1, load(0, 4), LINUX), bytes(&[0; 4]));
}

/// A right missing is SIGSEGV on Linux, SIGBUS on macOS (XNU `ux_exception`).
#[rstest]
#[case::none_then_load(LINUX, &[], load(0, 1), Ok(killed(Signal::SIGSEGV)))]
#[case::none_then_load_macos(MACOS, &[], load(0, 1), Ok(killed(Signal::SIGBUS)))]
#[case::read_only_then_store(LINUX, &[Prot::Read], store(0, "x"), Ok(killed(Signal::SIGSEGV)))]
#[case::read_only_then_store_macos(MACOS, &[Prot::Read], store(0, "x"), Ok(killed(Signal::SIGBUS)))]
#[case::read_only_then_load(LINUX, &[Prot::Read], load(0, 1), Ok(bytes(b"\0")))]
#[case::write_only_then_store(LINUX, &[Prot::Write], store(0, "x"), Ok(ModelOutcome::Done))]
#[case::write_only_then_load(LINUX, &[Prot::Write], load(0, 1), Err(()))]
fn protection_decides_what_an_access_does(
    #[case] profile: &PlatformProfile,
    #[case] prots: &[Prot],
    #[case] access: Action,
    #[case] expected: Result<ModelOutcome, ()>,
) {
    let mut m = model(
        Mechanism::AnonShared,
        &[Relation::Related],
        4096,
        Sharing::Shared,
    );
    apply(&mut m, 0, Action::Mprotect(prots.to_vec()), profile);
    assert_eq!(m.apply(0, &access, profile).map_err(|_| ()), expected);
}

#[test]
fn fetch_add_returns_what_the_last_addition_saw() {
    let mut m = model(
        Mechanism::SysvShm,
        &[Relation::Related; 2],
        4096,
        Sharing::Shared,
    );
    let add = Action::FetchAddU64 {
        at: 8,
        value: 3,
        times: 4,
    };
    assert_eq!(apply(&mut m, 0, add, LINUX), ModelOutcome::Count(9));
    assert_eq!(
        apply(&mut m, 1, Action::LoadU64 { at: 8 }, LINUX),
        ModelOutcome::Count(12)
    );
}

#[test]
fn whole_pages_past_the_end_of_a_file_raise_sigbus() {
    let mut m = model(
        Mechanism::FileMmap,
        &[Relation::Unrelated; 2],
        8192,
        Sharing::Shared,
    );
    apply(&mut m, 0, open(&[OpenFlag::Creat, OpenFlag::Excl]), LINUX);
    apply(&mut m, 0, ftruncate(100), LINUX);
    apply(&mut m, 0, Action::Mmap, LINUX);
    assert_eq!(apply(&mut m, 0, load(96, 8), LINUX), bytes(&[0; 8]));
    assert!(m.apply(0, &store(4090, "straddles"), LINUX).is_err());
    apply(&mut m, 1, open(&[]), LINUX);
    apply(&mut m, 1, Action::Mmap, LINUX);
    assert_eq!(
        apply(&mut m, 1, load(4096, 1), LINUX),
        killed(Signal::SIGBUS)
    );
    assert!(!m.mapped(1), "the process died with its mapping");
    apply(&mut m, 0, ftruncate(8192), LINUX);
    assert_eq!(apply(&mut m, 0, load(4096, 1), LINUX), bytes(b"\0"));
}

#[rstest]
#[case::store(store(4096, "x"), killed(Signal::SIGSEGV))]
#[case::fetch_add_loads_first(Action::FetchAddU64 { at: 4096, value: 1, times: 1 }, killed(Signal::SIGBUS))]
fn a_read_only_page_past_the_end_faults_on_the_first_touch(
    #[case] access: Action,
    #[case] expected: ModelOutcome,
) {
    let mut m = model(
        Mechanism::PosixShm,
        &[Relation::Unrelated],
        8192,
        Sharing::Shared,
    );
    let shm_open = Action::ShmOpen {
        mode: AccessMode::ReadWrite,
        flags: vec![OpenFlag::Creat],
        name_len: None,
    };
    apply(&mut m, 0, shm_open, LINUX);
    apply(&mut m, 0, ftruncate(4096), LINUX);
    apply(&mut m, 0, Action::Mmap, LINUX);
    apply(&mut m, 0, Action::Mprotect(vec![Prot::Read]), LINUX);
    assert_eq!(apply(&mut m, 0, access, LINUX), expected);
}

#[test]
fn names_come_and_go_while_the_memory_stays() {
    let mut m = model(
        Mechanism::PosixShm,
        &[Relation::Unrelated; 2],
        4096,
        Sharing::Shared,
    );
    let shm_open = |flags: &[OpenFlag]| Action::ShmOpen {
        mode: AccessMode::ReadWrite,
        flags: flags.to_vec(),
        name_len: None,
    };
    let enoent = ModelOutcome::Error(Errno(libc::ENOENT));
    assert_eq!(apply(&mut m, 1, shm_open(&[]), LINUX), enoent);
    apply(&mut m, 0, shm_open(&[OpenFlag::Creat]), LINUX);
    assert_eq!(
        apply(
            &mut m,
            1,
            shm_open(&[OpenFlag::Creat, OpenFlag::Excl]),
            LINUX
        ),
        ModelOutcome::Error(Errno(libc::EEXIST))
    );
    apply(&mut m, 0, ftruncate(4096), LINUX);
    apply(&mut m, 0, Action::Mmap, LINUX);
    apply(&mut m, 0, store(0, "kept"), LINUX);
    assert_eq!(
        apply(&mut m, 0, Action::ShmUnlink, LINUX),
        ModelOutcome::Done
    );
    assert_eq!(apply(&mut m, 0, Action::ShmUnlink, LINUX), enoent);
    assert_eq!(apply(&mut m, 0, load(0, 4), LINUX), bytes(b"kept"));
    assert_eq!(apply(&mut m, 1, shm_open(&[]), LINUX), enoent);
}

#[rstest]
#[case::linux(&PlatformProfile::LINUX, ModelOutcome::Done)]
#[case::macos(&PlatformProfile::MACOS, ModelOutcome::Error(Errno(libc::EINVAL)))]
fn a_removed_segment_is_found_while_attached_where_the_profile_says(
    #[case] profile: &PlatformProfile,
    #[case] while_attached: ModelOutcome,
) {
    let mut m = model(
        Mechanism::SysvShm,
        &[Relation::Related, Relation::Unrelated],
        4096,
        Sharing::Shared,
    );
    assert_eq!(
        apply(&mut m, 0, Action::ShmctlRmid, profile),
        ModelOutcome::Done
    );
    assert_eq!(apply(&mut m, 1, Action::Shmat, profile), while_attached);
    apply(&mut m, 1, Action::Exit, profile);
    apply(&mut m, 0, Action::Shmdt, profile);
    assert_eq!(
        apply(&mut m, 0, Action::Shmat, profile),
        ModelOutcome::Error(Errno(libc::EINVAL)),
        "gone with its last attachment"
    );
}

/// `mmap` of a POSIX shared memory object never sized: Linux maps it (its pages raise
/// SIGBUS when touched); XNU's `pshm_mmap` refuses it, and MAP_PRIVATE too, with EINVAL.
#[rstest]
#[case::linux_shared(LINUX, Sharing::Shared, ModelOutcome::Done)]
#[case::macos_shared(MACOS, Sharing::Shared, ModelOutcome::Error(Errno(libc::EINVAL)))]
#[case::macos_private(MACOS, Sharing::Private, ModelOutcome::Error(Errno(libc::EINVAL)))]
fn a_shm_object_never_sized_maps_where_the_profile_says(
    #[case] profile: &PlatformProfile,
    #[case] sharing: Sharing,
    #[case] expected: ModelOutcome,
) {
    let mut m = model(Mechanism::PosixShm, &[Relation::Unrelated], 4096, sharing);
    let shm_open = Action::ShmOpen {
        mode: AccessMode::ReadWrite,
        flags: vec![OpenFlag::Creat],
        name_len: None,
    };
    apply(&mut m, 0, shm_open, profile);
    assert_eq!(apply(&mut m, 0, Action::Mmap, profile), expected);
}

//! Readable cfg aliases for platform code, declared for check-cfg; and the scenario
//! catalogue, embedded so that a crate depending on this one runs it without a checkout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(linux_like, apple)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" {
        println!("cargo::rustc-cfg=linux_like");
    }
    if os == "macos" || os == "ios" {
        println!("cargo::rustc-cfg=apple");
    }
    embed_catalogue();
}

/// Write `$OUT_DIR/catalogue.rs`: every `scenarios/**/*.toml` as (path, text), sorted.
fn embed_catalogue() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("scenarios");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        // Directories are watched for added and removed files, files for edits.
        println!("cargo::rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&manifest).expect("below the manifest");
        writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            relative.display().to_string(),
            file.display().to_string()
        )
        .expect("writing to a string");
    }
    out.push(']');
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("catalogue.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
}

//! Readable cfg aliases for platform code, declared for check-cfg.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(linux_like, apple)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" {
        println!("cargo::rustc-cfg=linux_like");
    }
    if os == "macos" || os == "ios" {
        println!("cargo::rustc-cfg=apple");
    }
}

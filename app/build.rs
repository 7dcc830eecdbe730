fn main() {
    // sqlx::migrate! embeds ../migrations; a newly added file must trigger a rebuild.
    println!("cargo:rerun-if-changed=../migrations");
}

// `sqlx::migrate!` embeds the SQL files; rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

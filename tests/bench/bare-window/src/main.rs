//! The smallest Tauri 2 app: one window showing `dist/index.html`. `make bench` measures it
//! next to Homeport, so the difference is what Homeport itself adds.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the bare window failed to run");
}

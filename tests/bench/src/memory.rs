//! Memory of a process tree, from `/proc/PID/smaps_rollup`.

use std::collections::BTreeMap;

/// RSS and PSS summed over a process and its descendants, in KiB.
#[derive(Debug, Clone, Default)]
pub struct TreeMemory {
    pub rss_kib: u64,
    pub pss_kib: u64,
    /// The program name of every process counted.
    pub processes: Vec<String>,
}

/// Returns `root` and every live process below it, found by following parent ids in
/// `/proc/*/stat`. Zombies are left out because they hold no memory.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![root];
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        if let Some((_, parent)) = read_stat(pid) {
            children.entry(parent).or_default().push(pid);
        }
    }

    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        if let Some(below) = children.get(&tree[index]) {
            tree.extend(below);
        }
        index += 1;
    }
    tree.retain(|&pid| read_stat(pid).is_some_and(|(state, _)| state != 'Z'));
    tree
}

/// Returns whether `pid` exists and is not a zombie.
pub fn is_running(pid: u32) -> bool {
    read_stat(pid).is_some_and(|(state, _)| state != 'Z')
}

/// Reads the state letter and parent pid from `/proc/PID/stat`.
fn read_stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in brackets and may contain spaces, so parse after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// Sums RSS and PSS over `root` and its descendants. A process that exits while being read
/// is skipped.
pub fn tree_memory(root: u32) -> TreeMemory {
    let mut total = TreeMemory::default();
    for pid in descendants(root) {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        total.rss_kib += rollup_field(&rollup, "Rss:").unwrap_or(0);
        total.pss_kib += rollup_field(&rollup, "Pss:").unwrap_or(0);
        total.processes.push(process_name(pid));
    }
    total
}

/// Returns the file name of the process's program, from `argv[0]`. The kernel's `comm` is
/// the fallback, but it cuts names at 15 bytes (`WebKitWebProces`).
fn process_name(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let program = cmdline.split(|&byte| byte == 0).next().unwrap_or_default();
    let name = String::from_utf8_lossy(program);
    match name.rsplit('/').next().filter(|name| !name.is_empty()) {
        Some(name) => name.to_string(),
        None => std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Reads a `Name:   123 kB` line of smaps_rollup.
fn rollup_field(rollup: &str, name: &str) -> Option<u64> {
    let line = rollup.lines().find(|line| line.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollup_fields_parse() {
        let rollup = "55d0-7ffd ---p 00000000 00:00 0  [rollup]\nRss:               12345 kB\nPss:                6789 kB\nPss_Anon:  1 kB\n";
        assert_eq!(rollup_field(rollup, "Rss:"), Some(12345));
        assert_eq!(rollup_field(rollup, "Pss:"), Some(6789));
        assert_eq!(rollup_field(rollup, "Swap:"), None);
    }

    #[test]
    fn own_tree_contains_child() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep starts");
        let tree = descendants(std::process::id());
        let memory = tree_memory(std::process::id());
        let _ = child.kill();
        let _ = child.wait();

        assert!(tree.contains(&child.id()));
        assert!(memory.processes.iter().any(|name| name == "sleep"));
        assert!(memory.rss_kib > 0);
        assert!(memory.pss_kib > 0);
    }
}

//! An index of each file's blocks, so that resolving one alias skips the `Host` blocks that
//! name only other hosts. Without it, resolving every alias of a configuration with N `Host`
//! blocks reads N blocks per alias, N² in all.

use std::collections::HashMap;
use std::ops::Range;

use super::loader::ParsedFile;
use super::parser::{Directive, Setting};

/// The blocks of one file. A block is the run of entries from one `Host` or `Match` line to
/// the next. The lines before the file's first `Host` or `Match` form block 0.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockIndex {
    /// Entry ranges of the blocks, in file order.
    blocks: Vec<Range<usize>>,
    /// Blocks that every alias must read, in file order: block 0, `Match` blocks, and `Host`
    /// blocks with a wildcard or negated pattern. Any block with an `Include` or a keyword that
    /// `IgnoreUnknown` allows is read too, because those lines act even where the block does
    /// not apply.
    shared: Vec<usize>,
    /// The other blocks, whose `Host` line lists only plain names, by each name, in file order.
    by_name: HashMap<String, Vec<usize>>,
}

impl BlockIndex {
    /// Indexes the blocks of `file`.
    pub fn build(file: &ParsedFile) -> BlockIndex {
        let mut index = BlockIndex::default();
        let mut start = 0;
        for (position, entry) in file.entries.iter().enumerate() {
            if position > 0 && matches!(entry.directive, Directive::Host(_) | Directive::Match(_)) {
                index.add(file, start..position);
                start = position;
            }
        }
        index.add(file, start..file.entries.len());
        index
    }

    fn add(&mut self, file: &ParsedFile, range: Range<usize>) {
        let number = self.blocks.len();
        let entries = &file.entries[range.clone()];
        self.blocks.push(range);

        let names = match entries.first().map(|entry| &entry.directive) {
            Some(Directive::Host(patterns)) if patterns.iter().all(|pattern| pattern.is_literal()) => patterns,
            _ => {
                self.shared.push(number);
                return;
            }
        };
        let acts_when_inactive = entries.iter().any(|entry| {
            matches!(
                entry.directive,
                Directive::Include(_) | Directive::Setting(Setting::Unknown(_))
            )
        });
        if acts_when_inactive {
            self.shared.push(number);
            return;
        }
        for pattern in names {
            let blocks = self.by_name.entry(pattern.text.clone()).or_default();
            // `Host a a` names the block twice, but it is read once.
            if blocks.last() != Some(&number) {
                blocks.push(number);
            }
        }
    }

    /// Returns the entry ranges to read for `alias`, in file order. A block left out has a
    /// `Host` line that does not apply to `alias`, so none of its lines would change anything.
    pub fn blocks_for<'a>(&'a self, alias: &str) -> impl Iterator<Item = Range<usize>> + 'a {
        let named = self.by_name.get(alias).map_or(&[][..], Vec::as_slice);
        MergeSorted {
            left: &self.shared,
            right: named,
        }
        .map(|number| self.blocks[number].clone())
    }
}

/// Merges two ascending lists of block numbers into one ascending sequence.
struct MergeSorted<'a> {
    left: &'a [usize],
    right: &'a [usize],
}

impl Iterator for MergeSorted<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let take_left = match (self.left.first(), self.right.first()) {
            (Some(left), Some(right)) => left < right,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_left { &mut self.left } else { &mut self.right };
        let (first, rest) = list.split_first()?;
        *list = rest;
        Some(*first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh_config::{Environment, SshConfig};
    use std::path::Path;

    fn index_of(text: &str) -> BlockIndex {
        let environment = Environment::new("/home/a", "a", "desk", 1000);
        let config = SshConfig::parse_str(text, Path::new("/home/a/.ssh/config"), &environment).expect("valid");
        BlockIndex::build(&config.files[0])
    }

    fn lines_read(index: &BlockIndex, alias: &str) -> Vec<usize> {
        index.blocks_for(alias).flatten().collect()
    }

    #[test]
    fn blocks_for_skips_other_plain_hosts() {
        let index = index_of("User x\nHost a\n  Port 1\nHost b c\n  Port 2\nHost *\n  Port 3\n");
        assert_eq!(lines_read(&index, "a"), [0, 1, 2, 5, 6]);
        assert_eq!(lines_read(&index, "c"), [0, 3, 4, 5, 6]);
        assert_eq!(lines_read(&index, "other"), [0, 5, 6]);
    }

    #[test]
    fn blocks_for_keeps_blocks_that_act_when_inactive() {
        let index = index_of(
            "IgnoreUnknown Foo\nHost a\n  Foo yes\nHost b\n  Include /nonexistent/x\nMatch host z\nHost !q a\n",
        );
        assert_eq!(lines_read(&index, "other"), [0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn blocks_for_reads_a_block_named_twice_once() {
        let index = index_of("Host a a\n  Port 1\n");
        assert_eq!(lines_read(&index, "a"), [0, 1]);
    }

    #[test]
    fn blocks_for_is_case_sensitive() {
        let index = index_of("Host A\n  Port 1\n");
        assert!(
            lines_read(&index, "a").is_empty(),
            "OpenSSH compares Host names case-sensitively"
        );
    }
}

//! The YAML layer: a tree with positions ([`tree`]), built from saphyr-parser's events with
//! anchors and merge keys resolved ([`parse`]), and its conversion to JSON ([`json`]).

pub mod json;
pub(crate) mod parse;
pub mod tree;

pub use tree::{Entry, Node, Pos, Style, Typed, Value};

//! Fonts for chart text. plotters is built with its `ab_glyph` text backend, which is pure
//! Rust and reads one font file per family, instead of the default font-kit backend, which
//! needs fontconfig and FreeType on Linux. Both SVG and PNG need the font: SVG to measure
//! labels for layout (the SVG names `sans-serif`, and the viewer draws the glyphs), PNG to
//! draw the glyphs. ab_glyph has no fallback between fonts, so PNG charts with Chinese text
//! need a font with CJK glyphs, such as Noto Sans CJK (Debian's fonts-noto-cjk).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use plotters::style::FontStyle;

use crate::error::{Error, Result};

/// The family name chart text uses; fonts are registered under it.
pub(crate) const FAMILY: &str = "sans-serif";

/// Font files tried in order when the caller registered none: CJK fonts first, so Chinese
/// labels draw in PNG too, then Latin-only fonts.
const CANDIDATES: [&str; 8] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// The registered font's path, once one is registered.
static REGISTERED: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Registers the font file at `path` (TrueType, OpenType or a collection, whose first face
/// is used) for all later charts in this process.
pub fn use_font_file(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path)
        .map_err(|err| Error::FontUnavailable(format!("cannot read '{}': {err}", path.display())))?;
    // plotters keeps fonts for the life of the process and takes only `'static` bytes, so
    // the file is leaked once per registration.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font(FAMILY, FontStyle::Normal, bytes)
        .map_err(|_| Error::FontUnavailable(format!("'{}' is not a TrueType or OpenType font", path.display())))?;
    *REGISTERED.lock().expect("font lock") = Some(path.to_path_buf());
    tracing::debug!(path = %path.display(), "chart font registered");
    Ok(())
}

/// Returns the registered font, registering the first candidate that exists when none is.
pub fn ensure_font() -> Result<PathBuf> {
    if let Some(path) = REGISTERED.lock().expect("font lock").clone() {
        return Ok(path);
    }
    for candidate in CANDIDATES.iter().map(Path::new).filter(|path| path.is_file()) {
        if use_font_file(candidate).is_ok() {
            return Ok(candidate.to_path_buf());
        }
    }
    Err(Error::FontUnavailable(format!(
        "none of {} exists; call chart::use_font_file with a TrueType or OpenType font",
        CANDIDATES.join(", ")
    )))
}

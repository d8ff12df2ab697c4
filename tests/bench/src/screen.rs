//! Screenshots of the X display, read either from Xvfb's memory-mapped framebuffer file
//! (`Xvfb -fbdir DIR` writes `DIR/Xvfb_screen0` in XWD format) or from ImageMagick's `import`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A screenshot, one `0xRRGGBB` value per pixel, row by row.
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u32>,
}

/// A rectangle in pixels; `right` and `bottom` are exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub left: usize,
    pub top: usize,
    pub right: usize,
    pub bottom: usize,
}

impl Rect {
    pub fn width(&self) -> usize {
        self.right - self.left
    }

    pub fn height(&self) -> usize {
        self.bottom - self.top
    }
}

/// Where screenshots come from.
pub enum Screen {
    /// The XWD file of `Xvfb -fbdir`. Reading it costs one file read and starts no process.
    Framebuffer(PathBuf),
    /// `import -window root`, which starts one process per screenshot.
    // NOTE: scripts/bench.sh always passes the framebuffer, so only this path's PPM parser is
    // tested. Its process per screenshot also takes CPU from the app that is starting.
    Import,
}

impl Screen {
    pub fn describe(&self) -> String {
        match self {
            Screen::Framebuffer(path) => {
                format!("reading Xvfb's framebuffer file `{}` (`Xvfb -fbdir`)", file_name(path))
            }
            Screen::Import => "ImageMagick `import -window root`".to_string(),
        }
    }

    pub fn capture(&self) -> Result<Frame, String> {
        match self {
            Screen::Framebuffer(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|err| format!("cannot read the framebuffer file '{}': {err}", path.display()))?;
                parse_xwd(&bytes).map_err(|err| format!("invalid XWD framebuffer '{}': {err}", path.display()))
            }
            Screen::Import => {
                let output = Command::new("import")
                    .args(["-silent", "-window", "root", "-depth", "8", "ppm:-"])
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|err| format!("cannot run `import` (ImageMagick): {err}"))?;
                if !output.status.success() {
                    return Err(format!(
                        "`import -window root` failed with {}: {}",
                        output.status,
                        String::from_utf8_lossy(&output.stderr).trim()
                    ));
                }
                parse_ppm(&output.stdout).map_err(|err| format!("invalid PPM from `import`: {err}"))
            }
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Frame {
    /// Returns whether every pixel has the same colour.
    pub fn is_uniform(&self) -> bool {
        let first = self.pixels.first().copied().unwrap_or(0);
        self.pixels.iter().all(|&pixel| pixel == first)
    }

    /// Returns the smallest rectangle that contains every pixel whose colour differs from
    /// `background`, or `None` when there is no such pixel.
    pub fn content_box(&self, background: u32) -> Option<Rect> {
        let mut bounds: Option<Rect> = None;
        for (y, row) in self.pixels.chunks_exact(self.width).enumerate() {
            let Some(first) = row.iter().position(|&pixel| pixel != background) else {
                continue;
            };
            let last = row.iter().rposition(|&pixel| pixel != background).unwrap_or(first);
            let rect = bounds.get_or_insert(Rect {
                left: first,
                top: y,
                right: last + 1,
                bottom: y + 1,
            });
            rect.left = rect.left.min(first);
            rect.right = rect.right.max(last + 1);
            rect.bottom = y + 1;
        }
        bounds
    }

    /// Returns the standard deviation of the luma (ITU-R BT.601 weights, 0–255) inside `rect`.
    pub fn luma_std_dev(&self, rect: Rect) -> f64 {
        let mut sum = 0.0;
        let mut sum_of_squares = 0.0;
        for y in rect.top..rect.bottom {
            let row = &self.pixels[y * self.width + rect.left..y * self.width + rect.right];
            for &pixel in row {
                let luma = luma(pixel);
                sum += luma;
                sum_of_squares += luma * luma;
            }
        }
        let count = (rect.width() * rect.height()) as f64;
        let mean = sum / count;
        (sum_of_squares / count - mean * mean).max(0.0).sqrt()
    }

    /// Writes the frame as a binary PPM (P6) file, for checking what the benchmark saw.
    pub fn write_ppm(&self, path: &Path) -> std::io::Result<()> {
        let mut bytes = format!("P6\n{} {}\n255\n", self.width, self.height).into_bytes();
        bytes.reserve(self.pixels.len() * 3);
        for &pixel in &self.pixels {
            bytes.extend_from_slice(&[(pixel >> 16) as u8, (pixel >> 8) as u8, pixel as u8]);
        }
        std::fs::write(path, bytes)
    }
}

fn luma(pixel: u32) -> f64 {
    let red = f64::from((pixel >> 16) & 0xff);
    let green = f64::from((pixel >> 8) & 0xff);
    let blue = f64::from(pixel & 0xff);
    0.299 * red + 0.587 * green + 0.114 * blue
}

/// The XWD header is 25 32-bit fields, followed by the window name, then `ncolors` colour
/// entries of 12 bytes each, then the pixels.
const XWD_FIELDS: usize = 25;
const XWD_COLOR_SIZE: usize = 12;

/// Parses a ZPixmap XWD image with 32 bits per pixel, which is what Xvfb keeps for depth 24.
fn parse_xwd(bytes: &[u8]) -> Result<Frame, String> {
    if bytes.len() < XWD_FIELDS * 4 {
        return Err(format!("{} bytes is shorter than the XWD header", bytes.len()));
    }
    // The header is big-endian by convention, but accept a little-endian writer too.
    let big_endian = u32::from_be_bytes(bytes[0..4].try_into().unwrap()) as usize <= bytes.len();
    let field = |index: usize| -> usize {
        let raw: [u8; 4] = bytes[index * 4..index * 4 + 4].try_into().unwrap();
        (if big_endian {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        }) as usize
    };

    let header_size = field(0);
    let pixmap_format = field(2);
    let width = field(4);
    let height = field(5);
    let pixels_little_endian = field(7) == 0;
    let bits_per_pixel = field(11);
    let bytes_per_line = field(12);
    let masks = [field(14) as u32, field(15) as u32, field(16) as u32];
    let color_count = field(19);

    if pixmap_format != 2 || bits_per_pixel != 32 {
        return Err(format!(
            "pixmap format {pixmap_format} with {bits_per_pixel} bits per pixel is not supported; \
             run Xvfb with a depth-24 screen (`-screen 0 WxHx24`)"
        ));
    }
    let start = header_size + color_count * XWD_COLOR_SIZE;
    let end = start + bytes_per_line * height;
    if bytes.len() < end || bytes_per_line < width * 4 {
        return Err(format!(
            "{} bytes is too short for {width}x{height} pixels at {bytes_per_line} bytes per line",
            bytes.len()
        ));
    }

    let shifts = masks.map(u32::trailing_zeros);
    let mut pixels = Vec::with_capacity(width * height);
    for row in bytes[start..end].chunks_exact(bytes_per_line) {
        for raw in row[..width * 4].chunks_exact(4) {
            let raw: [u8; 4] = raw.try_into().unwrap();
            let value = if pixels_little_endian {
                u32::from_le_bytes(raw)
            } else {
                u32::from_be_bytes(raw)
            };
            let red = (value & masks[0]) >> shifts[0];
            let green = (value & masks[1]) >> shifts[1];
            let blue = (value & masks[2]) >> shifts[2];
            pixels.push((red << 16) | (green << 8) | blue);
        }
    }
    Ok(Frame { width, height, pixels })
}

/// Parses a binary PPM (P6) with a maximum value of 255.
fn parse_ppm(bytes: &[u8]) -> Result<Frame, String> {
    let mut position = 0;
    let mut tokens = Vec::new();
    while tokens.len() < 4 {
        while position < bytes.len() && bytes[position].is_ascii_whitespace() {
            position += 1;
        }
        if position < bytes.len() && bytes[position] == b'#' {
            while position < bytes.len() && bytes[position] != b'\n' {
                position += 1;
            }
            continue;
        }
        let start = position;
        while position < bytes.len() && !bytes[position].is_ascii_whitespace() {
            position += 1;
        }
        if start == position {
            return Err("the header ends early".into());
        }
        tokens.push(String::from_utf8_lossy(&bytes[start..position]).into_owned());
    }
    // Exactly one whitespace byte separates the header from the pixels.
    position += 1;

    if tokens[0] != "P6" || tokens[3] != "255" {
        return Err(format!(
            "expected a P6 image with maximum value 255, got '{}' with '{}'",
            tokens[0], tokens[3]
        ));
    }
    let width: usize = tokens[1]
        .parse()
        .map_err(|_| format!("invalid width '{}'", tokens[1]))?;
    let height: usize = tokens[2]
        .parse()
        .map_err(|_| format!("invalid height '{}'", tokens[2]))?;
    let data = bytes
        .get(position..position + width * height * 3)
        .ok_or("the pixel data is truncated")?;
    let pixels = data
        .chunks_exact(3)
        .map(|rgb| (u32::from(rgb[0]) << 16) | (u32::from(rgb[1]) << 8) | u32::from(rgb[2]))
        .collect();
    Ok(Frame { width, height, pixels })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(width: usize, pixels: Vec<u32>) -> Frame {
        Frame {
            width,
            height: pixels.len() / width,
            pixels,
        }
    }

    #[test]
    fn content_box_of_window() {
        let mut pixels = vec![0; 6 * 4];
        pixels[6 + 1] = 0xffffff;
        pixels[2 * 6 + 3] = 0xffffff;
        let rect = frame(6, pixels).content_box(0).expect("content");
        assert_eq!(
            rect,
            Rect {
                left: 1,
                top: 1,
                right: 4,
                bottom: 3
            }
        );
    }

    #[test]
    fn content_box_of_blank_screen() {
        assert_eq!(frame(3, vec![0; 9]).content_box(0), None);
    }

    #[test]
    fn std_dev_uniform_and_mixed() {
        let white = frame(2, vec![0xffffff; 4]);
        let full = Rect {
            left: 0,
            top: 0,
            right: 2,
            bottom: 2,
        };
        assert!(white.luma_std_dev(full) < 1e-6);
        assert!(white.is_uniform());

        let half = frame(2, vec![0xffffff, 0, 0xffffff, 0]);
        assert!((half.luma_std_dev(full) - 127.5).abs() < 0.01);
        assert!(!half.is_uniform());
    }

    #[test]
    fn ppm_round_trip() {
        let original = frame(2, vec![0x102030, 0x405060, 0x708090, 0xa0b0c0]);
        let path = tempfile::NamedTempFile::new().unwrap();
        original.write_ppm(path.path()).unwrap();
        let parsed = parse_ppm(&std::fs::read(path.path()).unwrap()).unwrap();
        assert_eq!((parsed.width, parsed.height), (2, 2));
        assert_eq!(parsed.pixels, original.pixels);
    }

    #[test]
    fn xwd_little_endian_pixels() {
        let mut header = vec![0u32; XWD_FIELDS];
        header[0] = (XWD_FIELDS * 4) as u32;
        header[2] = 2;
        header[4] = 2;
        header[5] = 1;
        header[7] = 0;
        header[11] = 32;
        header[12] = 8;
        header[14] = 0xff0000;
        header[15] = 0x00ff00;
        header[16] = 0x0000ff;
        let mut bytes: Vec<u8> = header.iter().flat_map(|field| field.to_be_bytes()).collect();
        bytes.extend_from_slice(&0x00112233u32.to_le_bytes());
        bytes.extend_from_slice(&0x00445566u32.to_le_bytes());

        let parsed = parse_xwd(&bytes).unwrap();
        assert_eq!((parsed.width, parsed.height), (2, 1));
        assert_eq!(parsed.pixels, vec![0x112233, 0x445566]);
    }
}

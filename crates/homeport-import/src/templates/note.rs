//! Cleans the HTML notes of templates before the UI shows them.

use std::collections::HashSet;

/// A cleaned note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TemplateNote {
    /// HTML with only these tags: a, b, br, code, em, i, li, ol, p, pre, strong, u, ul. The
    /// only attribute is `href` on `a`, and only with an http or https URL. `script` and
    /// `style` are removed with their content.
    pub html: String,
    /// The same note as plain text: paragraphs and list items on their own lines, and each
    /// link's URL in brackets after its text.
    pub text: String,
}

const ALLOWED_TAGS: &[&str] = &[
    "a", "b", "br", "code", "em", "i", "li", "ol", "p", "pre", "strong", "u", "ul",
];

/// Cleans `html` to the safe subset described on [`TemplateNote`], and renders it as text.
pub fn sanitize_note(html: &str) -> TemplateNote {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect::<HashSet<_>>())
        .add_tag_attributes("a", ["href"])
        .url_schemes(["http", "https"].into_iter().collect::<HashSet<_>>())
        .url_relative(ammonia::UrlRelative::Deny)
        .clean_content_tags(["script", "style"].into_iter().collect::<HashSet<_>>())
        // ammonia adds rel="noopener noreferrer" by default, and the subset allows href only.
        .link_rel(None);
    let clean = builder.clean(html).to_string();
    let text = html_to_text(&clean);
    TemplateNote { html: clean, text }
}

/// Renders HTML that [`sanitize_note`] produced as text. It relies on that output: tags are
/// well formed, the only attribute is a double-quoted `href`, and text is entity-escaped.
fn html_to_text(clean: &str) -> String {
    let mut text = String::new();
    let mut link: Option<String> = None;
    let mut rest = clean;

    while let Some(start) = rest.find('<') {
        text.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];

        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default();
        let closing = tag.starts_with('/');
        match (name, closing) {
            ("br", _) | ("p" | "ul" | "ol" | "pre" | "li", true) => push_line_break(&mut text),
            ("li", false) => {
                push_line_break(&mut text);
                text.push_str("- ");
            }
            ("a", false) => {
                link = tag
                    .split_once("href=\"")
                    .and_then(|(_, after)| after.split_once('"'))
                    .map(|(url, _)| decode_entities(url));
            }
            ("a", true) => {
                if let Some(url) = link.take() {
                    if !text.ends_with(&url) {
                        text.push_str(&format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }
    text.push_str(&decode_entities(rest));
    text.trim().to_string()
}

fn push_line_break(text: &mut String) {
    while text.ends_with(' ') {
        text.pop();
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// Decodes the entities html5ever's serializer writes, and numeric ones.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find(';').filter(|end| *end <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|decimal| decimal.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(character) => {
                out.push(character);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_removes_script_and_handlers() {
        let note = sanitize_note(
            r#"<p onclick="steal()">Login is <b>admin</b> &amp; <i>secret</i>.<script>alert(1)</script></p><a href="javascript:alert(1)">bad</a> <a href="https://example.org/docs" target="_blank">docs</a><img src=x onerror=alert(1)>"#,
        );
        assert!(!note.html.contains("script"), "{}", note.html);
        assert!(!note.html.contains("onclick"), "{}", note.html);
        assert!(!note.html.contains("javascript"), "{}", note.html);
        assert!(!note.html.contains("target"), "{}", note.html);
        assert!(!note.html.contains("img"), "{}", note.html);
        assert!(
            note.html.contains(r#"<a href="https://example.org/docs">docs</a>"#),
            "{}",
            note.html
        );
        assert_eq!(
            note.text,
            "Login is admin & secret.\nbad docs (https://example.org/docs)"
        );
    }

    #[test]
    fn note_text_lists_items() {
        let note = sanitize_note("<ul><li>one</li><li>two &lt;3</li></ul>after<br>line");
        assert_eq!(note.text, "- one\n- two <3\nafter\nline");
    }
}

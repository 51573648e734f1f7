//! What the parser throws away: comments, and the parentheses the AST does
//! not record.
//!
//! pest drops `COMMENT` and grouping parentheses, so the formatter finds
//! them again in the source text: comments by a small scan that knows where
//! strings are (a `#` inside a string is no comment), parentheses by looking
//! at the significant characters just outside an expression's extent.

/// A `#` comment: its byte range, from the `#` to the end of its line
/// (trailing whitespace excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Comment {
    pub start: usize,
    pub end: usize,
}

/// A source text with its comments found.
pub(crate) struct Trivia<'a> {
    pub text: &'a str,
    /// In source order.
    pub comments: Vec<Comment>,
}

impl<'a> Trivia<'a> {
    pub fn new(text: &'a str) -> Trivia<'a> {
        Trivia {
            text,
            comments: scan_comments(text),
        }
    }

    /// The comment's text, `#` included, trailing whitespace dropped.
    pub fn comment_text(&self, c: Comment) -> &'a str {
        &self.text[c.start..c.end]
    }

    /// The comment that holds byte `pos`, if any.
    fn comment_at(&self, pos: usize) -> Option<Comment> {
        let i = self.comments.partition_point(|c| c.start <= pos);
        let c = *self.comments.get(i.checked_sub(1)?)?;
        (pos < c.end).then_some(c)
    }

    /// Offset of the last significant character (neither whitespace nor in
    /// a comment) before `pos`.
    pub fn prev_significant(&self, mut pos: usize) -> Option<usize> {
        loop {
            let c = self.text.get(..pos)?.chars().next_back()?;
            let at = pos - c.len_utf8();
            if let Some(comment) = self.comment_at(at) {
                pos = comment.start;
                continue;
            }
            if c.is_whitespace() || c == '\u{FEFF}' {
                pos = at;
                continue;
            }
            return Some(at);
        }
    }

    /// Offset of the first significant character at or after `pos`.
    pub fn next_significant(&self, mut pos: usize) -> Option<usize> {
        loop {
            let c = self.text.get(pos..)?.chars().next()?;
            if c == '#' {
                // Outside strings (callers never start inside one), a `#`
                // opens a comment that runs to the end of the line.
                match self.text[pos..].find('\n') {
                    Some(n) => pos += n,
                    None => return None,
                }
                continue;
            }
            if c.is_whitespace() || c == '\u{FEFF}' {
                pos += c.len_utf8();
                continue;
            }
            return Some(pos);
        }
    }

    /// The byte at `pos`, if it is `b`.
    pub fn is(&self, pos: Option<usize>, b: u8) -> bool {
        pos.and_then(|p| self.text.as_bytes().get(p)) == Some(&b)
    }

    /// Widen `start..end` over the grouping parentheses around it: returns
    /// the new range and how many pairs there were. A `(` at `barrier` (a
    /// call's own parenthesis) is not a grouping one.
    pub fn parens_around(
        &self,
        mut start: usize,
        mut end: usize,
        barrier: Option<usize>,
    ) -> (usize, usize, usize) {
        let mut layers = 0;
        loop {
            let before = self.prev_significant(start);
            let after = self.next_significant(end);
            if self.is(before, b'(')
                && self.is(after, b')')
                && before != barrier
                && let (Some(b), Some(a)) = (before, after)
            {
                start = b;
                end = a + 1;
                layers += 1;
                continue;
            }
            return (start, end, layers);
        }
    }

    /// Offset of the first `{` at or after `from` outside strings and
    /// comments.
    pub fn find_open_brace(&self, from: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut i = from;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => return Some(i),
                b'"' => i = skip_string(bytes, i),
                b'#' => {
                    i = self.text[i..]
                        .find('\n')
                        .map(|n| i + n)
                        .unwrap_or(bytes.len())
                }
                _ => i += 1,
            }
        }
        None
    }
}

/// Offset just past the string that opens at `i`.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            b'\n' => return j,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// Every comment of a text, in order.
pub(crate) fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'#' => {
                let line_end = text[i..].find('\n').map(|n| i + n).unwrap_or(bytes.len());
                let end = i + text[i..line_end].trim_end().len();
                out.push(Comment { start: i, end });
                i = line_end;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_in_a_string_is_no_comment() {
        let text = "about \"# not \\\" # this\" # but this  \n# and this\n";
        let t = Trivia::new(text);
        let found: Vec<&str> = t.comments.iter().map(|c| t.comment_text(*c)).collect();
        assert_eq!(found, ["# but this", "# and this"]);
    }

    #[test]
    fn parentheses_are_found_around_a_range() {
        let text = "x = (( a # c\n ) )";
        let t = Trivia::new(text);
        let a = text.find('a').unwrap_or(0);
        assert_eq!(t.parens_around(a, a + 1, None).2, 2);
        let call = "f(a)";
        let t = Trivia::new(call);
        assert_eq!(t.parens_around(2, 3, Some(1)).2, 0);
    }
}
